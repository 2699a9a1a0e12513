"""A local, offline question-answering assistant that answers with verbatim, cited text."""

__version__ = "0.1.0"
