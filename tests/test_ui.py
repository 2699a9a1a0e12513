"""View helpers: escaping, offset-exact highlighting, labels, suggestions, summaries, transcripts, PDF pages."""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant import messages, ui
from assistant.chunking import chunk_document
from assistant.ingest import Problem, parse_markdown
from assistant.pdf_view import PdfViewError, locate_quote, merge_boxes, render_page, searchable
from assistant.schema import Answer, Citation, Span, Translation
from assistant.build import BuildReport, build_index
from assistant.faiss_store import live_dir, read_manifest
from assistant.service import Job
from conftest import FakeEmbedder, make_settings
from pdf_factory import make_pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def citation(n: int = 1, passage: str = "First. Second <b>bold</b>. Third.", start: int = 7, end: int = 26,
             passage_start: int = 0, **kw) -> Citation:
    values = dict(n=n, source="notes.md", section="2. Results > 2.1 <i>Yield</i>", page=None,
                  start=passage_start + start, end=passage_start + end,
                  quote=passage[start:end], passage=passage, passage_start=passage_start, score=0.91,
                  title="Notes *draft*")
    values.update(kw)
    return Citation(**values)


# --- escaping and highlighting ------------------------------------------------------------------

def test_passage_html_marks_the_quote_by_its_offsets_and_escapes_everything() -> None:
    html = ui.passage_html(citation())
    assert html == ('<div class="qa-passage">First. <mark>Second &lt;b&gt;bold&lt;/b&gt;.</mark> Third.</div>')


def test_highlight_follows_offsets_not_the_first_matching_text() -> None:
    passage = "It rose. Then it fell. It rose."
    c = citation(passage=passage, start=23, end=31, passage_start=100)
    assert c.quote == "It rose."
    assert ui.passage_html(c) == '<div class="qa-passage">It rose. Then it fell. <mark>It rose.</mark></div>'


def test_offsets_outside_the_passage_show_it_unmarked_rather_than_guess() -> None:
    c = citation(passage="Short passage.", start=0, end=5)
    c = Citation(**{**c.__dict__, "start": 50, "end": 60})
    assert "<mark>" not in ui.passage_html(c)


def test_script_in_a_document_stays_text() -> None:
    passage = 'Before.\n\n<script>alert("x")</script> and <img src=x onerror=alert(1)>.\nAfter.'
    c = citation(passage=passage, start=9, end=len(passage) - 7)
    html = ui.passage_html(c)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # No blank line may reach Markdown, or the rest of the passage would be read as Markdown.
    assert "\n" not in html and "<br><br>" in html


def row_citation(**kw) -> Citation:
    values = dict(n=1, source="t.md", section="Timeline", page=None, start=10, end=20, quote="2019\t<Sat>",
                  passage="2019\t<Sat>", passage_start=10, score=1.0, headers=("Year", "Milestone"), kind="row")
    values.update(kw)
    return Citation(**values)


def test_a_table_row_is_a_small_table_of_column_names_and_values() -> None:
    c = row_citation()
    table = "<tr><th>Year</th><td>2019</td></tr><tr><th>Milestone</th><td>&lt;Sat&gt;</td></tr></tbody></table>"
    assert ui.passage_html(c) == f'<div class="qa-passage"><table class="qa-row qa-marked"><tbody>{table}</div>'
    assert ui.answer_html(Answer("q", c.quote, False, 1.0, (c,))) == \
        f'<div class="qa-answer"><table class="qa-row"><tbody>{table} <span class="qa-marker">[1]</span></div>'
    # More cells than headers: the extra value still shows, without a name.
    wide = row_citation(quote="2019\tLaunch\textra", passage="2019\tLaunch\textra")
    assert ui.row_cells(wide) == [("Year", "2019"), ("Milestone", "Launch"), ("", "extra")]
    # A PDF row names its columns in its own text: the name is shown once, as the name.
    pdf = row_citation(source="r.pdf", quote="Total net sales | Q3 2022: $82,959 | Change: 2 %",
                       passage="Total net sales | Q3 2022: $82,959 | Change: 2 %", headers=("", "Q3 2022", "Change"))
    assert ui.row_cells(pdf) == [("", "Total net sales"), ("Q3 2022", "$82,959"), ("Change", "2 %")]


def test_the_value_that_answers_is_bold_in_a_row_answer() -> None:
    quote = "Total net sales | Q3 2022: $82,959 | Q3 <2021>: $81,434 | Change: 2 %"
    c = row_citation(source="r.pdf", start=100, end=100 + len(quote), quote=quote, passage=quote, passage_start=100,
                     headers=("", "Q3 2022", "Q3 <2021>", "Change"))
    at = quote.index("$81,434")
    html = ui.answer_html(Answer("q", quote, False, 1.0, (c,), answer_span=Span(100 + at, 100 + at + 7, "$81,434")))
    assert '<th>Q3 &lt;2021&gt;</th><td><b class="qa-phrase">$81,434</b></td>' in html
    assert html.count("qa-phrase") == 1 and "<td>$82,959</td>" in html and "<td>2 %</td>" in html
    # Inside a value of words, only the phrase.
    words = row_citation(quote="Health\tGrowth of 8.89% a year", passage="Health\tGrowth of 8.89% a year",
                         end=10 + 29, headers=("Metric", "Insights"))
    at = words.quote.index("8.89%")
    html = ui.answer_html(Answer("q", words.quote, False, 1.0, (words,), answer_span=Span(10 + at, 15 + at, "8.89%")))
    assert '<td>Growth of <b class="qa-phrase">8.89%</b> a year</td>' in html
    # No phrase, or one outside the quote: nothing is bold.
    assert "qa-phrase" not in ui.answer_html(Answer("q", quote, False, 1.0, (c,)))
    assert "qa-phrase" not in ui.answer_html(Answer("q", quote, False, 1.0, (c,), answer_span=Span(0, 5, "x")))


def test_markdown_emphasis_and_headings_show_as_formatting_and_stay_escaped() -> None:
    passage = "## Plan <i>\n**Health and Education:** <b>x</b> _reach_ *all* schools. Not 2 * 3 * 4 or snake_case_name."
    quote_start = passage.index("<b>")
    c = citation(passage=passage, start=quote_start, end=len(passage), source="plan.md")
    html = ui.passage_html(c)
    assert html == ('<div class="qa-passage"><strong>Plan &lt;i&gt;</strong><br><strong>Health and Education:'
                    '</strong> <mark>&lt;b&gt;x&lt;/b&gt; <em>reach</em> <em>all</em> schools. Not 2 * 3 * 4 or '
                    'snake_case_name.</mark></div>')
    # A bold run that crosses the highlighted quote is split at its edge, so the tags stay balanced.
    crossing = citation(passage="**one two** three", start=6, end=17, source="a.md")
    assert ui.passage_html(crossing) == \
        '<div class="qa-passage"><strong>one </strong><mark><strong>two</strong> three</mark></div>'
    # Only Markdown documents are read as Markdown: a PDF's asterisks are its own text.
    pdf = citation(passage="**kept** as is", start=0, end=8, source="r.pdf")
    assert ui.passage_html(pdf) == '<div class="qa-passage"><mark>**kept**</mark> as is</div>'


def test_markdown_code_shows_every_character_as_code() -> None:
    # A command a sentence introduces (R95) is quoted with its fences: shown as code, its asterisks and underscores
    # its own (not emphasis), the fence lines and backticks hidden as the other markers are, all of it escaped.
    passage = ("To merge the settings, run:\n\n```python\nconfig = {**shared, **secret}  # <dict>\n```\n\n"
               "Then call `__init__` or **save**.")
    c = citation(passage=passage, start=0, end=passage.index("\n\nThen"), source="acmezip.md")
    assert ui.passage_html(c) == (
        '<div class="qa-passage"><mark>To merge the settings, run:<br><br><code>config = {**shared, **secret}  # '
        '&lt;dict&gt;</code></mark><br><br>Then call <code>__init__</code> or <strong>save</strong>.</div>')
    # Outside Markdown, backticks are the document's own characters.
    text = citation(passage="Run `x` now.", start=0, end=12, source="notes.txt")
    assert ui.passage_html(text) == '<div class="qa-passage"><mark>Run `x` now.</mark></div>'

def test_labels_are_markdown_escaped() -> None:
    label = ui.card_label(citation(page=3))
    assert label.startswith(r"\[1\] Notes \*draft\*")
    assert r"\<i\>Yield\</i\>" in label and "page 3" in label
    assert ui.card_label(citation(n=2), closest=True).startswith("Closest passage 2 · ")
    assert ui.escape_markdown("$x$ :smile: [a](b)\n\n# h") == r"\$x\$ \:smile\: \[a\]\(b\) \# h"


def test_an_answer_in_spanish_labels_its_sources_in_spanish() -> None:
    printed = citation(n=2, page=23, printed_page="20", source="r.pdf", title="Report")
    assert ui.card_label(printed) == r"\[2\] Report · 2\. Results › 2\.1 \<i\>Yield\</i\> · page 23 \(printed 20\)"
    assert ui.card_label(printed, closest=True, language="es").startswith("Pasaje más cercano 2 · Report")
    assert ui.card_label(printed, language="es").endswith(r"página 23 \(numerada 20\)")
    assert ui.card_details(printed, "es") == "r\\.pdf · puntuación de coincidencia 0,91"
    row = row_citation(quote="2019\t<Sat> | 1", passage="2019\t<Sat> | 1")
    turns = [ui.Turn("¿Cuándo?", Answer("¿Cuándo?", printed.quote, False, 1.0, (printed, row), language="es"))]
    text = ui.transcript_markdown(turns)
    assert "Fuentes:" in text and "· página 23 (numerada 20) (r.pdf)" in text and "(t.md), una fila de tabla:" in text
    assert "page" not in text.split("Fuentes:")[1] and "a table row" not in text
    # Every fixed text has its Spanish, with the same placeholders.
    assert messages.TEXTS["es"].keys() == messages.TEXTS["en"].keys()
    placeholders = lambda s: sorted(re.findall(r"{(\w+(?::\w+)?)}", s))  # noqa: E731 - {problem:lower_first} too
    assert all(placeholders(messages.TEXTS["es"][k]) == placeholders(v) for k, v in messages.TEXTS["en"].items())


def test_the_chat_speaks_the_browsers_language_when_it_has_it() -> None:
    assert [ui.language_of_locale(x) for x in ("es-MX", "es", "ES_es", "en-GB", "fr-FR", "", None)] == \
        ["es", "es", "es", "en", "en", "en", "en"]
    assert [ui.count(n, "en") for n in (2000, 12000)] == ["2,000", "12,000"]
    assert [ui.count(n, "es") for n in (2000, 12000)] == ["2000", "12\u00a0000"]


def test_counts_in_an_index_error_are_written_as_the_readers_language_writes_them() -> None:
    said = messages.Said("milvus_count", collection="'docs'", found=12000, expected=9500)
    # English keeps the digits as the command line, its JSON reports and the logs always had them.
    assert said == "The Milvus collection 'docs' holds 12000 live chunks where its manifest lists 9500"
    assert said.in_language("es") == ("La colección de Milvus 'docs' contiene 12\u00a0000 fragmentos vigentes, pero "
                                      "su manifiesto indica 9500")
    assert messages.said_from_json(said.to_json()).in_language("es") == said.in_language("es")
    # A manifest without a count says so as it is, in either language.
    assert messages.Said("milvus_count", collection="'docs'", found=3, expected=None).in_language("es").endswith(
        "contiene 3 fragmentos vigentes, pero su manifiesto indica None")


def test_answer_html_escapes_the_quote_and_adds_its_marker() -> None:
    c = citation()
    answer = Answer("q", c.quote, False, 1.0, (c,))
    assert ui.answer_html(answer) == ('<div class="qa-answer">Second &lt;b&gt;bold&lt;/b&gt;. '
                                      '<span class="qa-marker">[1]</span></div>')


# --- suggestions, summaries, transcripts ------------------------------------------------------

def chunks_of(source: str, markdown: str):
    return chunk_document(parse_markdown(source, markdown))


def test_the_answer_phrase_is_bold_inside_the_quote_and_a_translation_is_labelled_apart() -> None:
    first = citation()  # quote "Second <b>bold</b>." at 7..26
    answer = Answer("q?", first.quote, False, 0.9, (first,), answer_span=Span(14, 25, "<b>bold</b>"),
                    language="es", translation=Translation("Segundo <b>negrita</b>.", "en", "es",
                                                           "Traducción automática"))
    assert ui.answer_html(answer) == ('<div class="qa-answer">Second <b class="qa-phrase">&lt;b&gt;bold&lt;/b&gt;</b>. '
                                      '<span class="qa-marker">[1]</span></div>')
    assert ui.translation_html(answer) == ('<div class="qa-translation"><span class="qa-label">Traducción automática:'
                                           '</span> <i>Segundo &lt;b&gt;negrita&lt;/b&gt;.</i></div>')
    # The translation of a Markdown quote shows its emphasis as the quote does, still escaped.
    listed = citation(passage="The port offers:\n- **Berthing** <i>now</i>", start=0, end=41, source="port.md")
    assert ui.translation_html(replace(answer, citations=(listed,), translation=Translation(
        "El puerto ofrece: - **Atraque** <i>ahora</i>", "en", "es", "Traducción automática"))) == (
        '<div class="qa-translation"><span class="qa-label">Traducción automática:</span> <i>El puerto ofrece: - '
        '<strong>Atraque</strong> &lt;i&gt;ahora&lt;/i&gt;</i></div>')
    transcript = ui.transcript_markdown([ui.Turn("q?", answer=answer)])
    assert "**\\<b\\>bold\\</b\\>**" in transcript and "_Traducción automática: " in transcript
    assert "Fuentes:" in transcript
    # A span that does not fit the quote is not drawn; an abstention speaks the question's language.
    stray = Answer("q?", first.quote, False, 0.9, (first,), answer_span=Span(0, 5, "First"))
    assert "qa-phrase" not in ui.answer_html(stray) and ui.translation_html(stray) == ""
    assert ui.fixed("abstained", Answer("q?", None, True, 0.0, language="es")) == "No encontré esto en los documentos."


def test_suggested_questions_name_specific_things_from_every_document() -> None:
    paper = chunks_of("a.md", "# A paper\n\nBy Ana Ruiz.\n\n## Abstract\n\nIt reviews the Federal Telecommunications "
                      "Institute and its reforms.\n\n## 3.2 Telecommunications Transformation\n\nThe Federal "
                      "Telecommunications Institute was created in 2013. The Institute then opened offices.\n\n"
                      "## References\n\nSmith, 2020.\n")
    report = chunks_of("b.md", "# Report\n\nCover page of Acme Corp.\n\n## II. Solar Subsidies\n\nGreater China "
                       "grew. Sales in Greater China rose by 4% in June.\n")
    assert ui.suggested_questions(paper + report, limit=5) == [
        "What do the documents say about the Federal Telecommunications Institute?",  # named twice, with 'the'
        "What do the documents say about Greater China?",
        "What do the documents say about Telecommunications Transformation?",  # then the section topics
        "What do the documents say about Solar Subsidies?"]
    # The first chunk (title, authors, cover page) names the document itself, and generic parts no topic.
    assert ui.suggested_questions(chunks_of("c.md", "# C\n\nBy Ana Ruiz.\n\n## Conclusion\n\nDone.\n")) == []
    # In Spanish, the thing is named as the documents name it, in quotes, without the English article.
    assert ui.suggested_questions(paper + report, limit=2, language="es") == [
        "¿Qué dicen los documentos sobre «Federal Telecommunications Institute»?",
        "¿Qué dicen los documentos sobre «Greater China»?"]
    assert ui.suggested_questions(chunks_of("d.md", "# D\n\n## 2 Budget\n\nIt grew.\n")) == \
        ["What does the document say about Budget?"]


def test_named_things_skip_dates_headings_in_capitals_and_sentence_openers() -> None:
    chunks = chunks_of("r.md", "# R\n\nCover.\n\n## Notes\n\nThree Months Ended June 2022 were good. CONSOLIDATED "
                       "STATEMENTS OF OPERATIONS follow. In Greater China the Nasdaq Stock Market LLC listed Apple "
                       "Inc. shares. Timothy D. Cook signed.\n")
    assert ui.named_things(chunks) == ["the Nasdaq Stock Market LLC", "Greater China", "Apple Inc."]  # "the" first
    # A list of references names the works it cites, not what the document discusses.
    cited = chunks_of("s.md", "# S\n\nCover.\n\n## 2. Ports\n\nShips pay the Harbourtown Port Authority. In "
                      "2020 the Harbourtown Port Authority dredged the channel.\n\n## References\n\n1. Ruiz, A. The "
                      "Valmar Shipping Review. 2020.\n2. Lee, B. The Valmar Shipping Review, second issue. 2021.\n")
    assert ui.named_things(cited) == ["the Harbourtown Port Authority"]


def test_build_summary_says_what_changed_and_why_files_failed() -> None:
    report = BuildReport(added=["new.md"], changed=["a.md"], removed=["old.pdf"], unchanged=["b.md"],
                         failed=[Problem("bad.pdf", "the PDF is damaged")],
                         skipped=[Problem("x.docx", "unsupported file type")])
    assert ui.build_summary(report) == [
        ("ok", "Added: new.md"), ("ok", "Changed: a.md"), ("ok", "Removed: old.pdf"),
        ("warning", "Skipped x.docx: unsupported file type"), ("error", "Failed bad.pdf: the PDF is damaged")]
    assert ui.build_summary(BuildReport(unchanged=["a.md", "b.md"]))[0] == \
        ("ok", "Nothing changed: all 2 documents were already indexed.")
    # A page in Spanish writes the run's outcome in Spanish; the lines its request came with stay as they were.
    assert ui.build_summary(report, "es")[:2] == [("ok", "Añadidos: new.md"), ("ok", "Modificados: a.md")]
    job = Job(1, "Indexing", lines=(("ok", "Guardado new.md."),) + tuple(ui.build_summary(report)), running=False,
              outcome="Index updated in 2.1 s", ok=True, given=1, report=replace(report, seconds=2.06))
    assert ui.job_outcome(job) == "Index updated in 2.1 s"
    assert ui.job_outcome(job, "es") == "Índice actualizado en 2,1 s"
    assert ui.job_lines(job) == list(job.lines)
    assert ui.job_lines(job, "es")[:2] == [("ok", "Guardado new.md."), ("ok", "Añadidos: new.md")]
    # What a run is doing, too: a build's status message is English text that a page writes in its language.
    busy = Job(3, "Indexing", message=messages.Said("reading_many", n=3), done=10, total=2000)
    assert busy.progress_in("en") == "Reading and embedding 3 files: embedded 10 of 2,000 sentences and rows"
    assert busy.progress_in("es") == "Leyendo e incorporando 3 archivos: 10 de 2000 frases y filas incorporadas"
    assert busy.message == "Reading and embedding 3 files" and pickle.loads(pickle.dumps(busy.message)).key == \
        "reading_many"
    assert Job(4, "Indexing").progress_in("es") == "Empezando"
    failed = Job(2, "Indexing", lines=(("error", "The folder has no files."),), running=False,
                 outcome="The index was not updated", ok=False)
    assert ui.job_outcome(failed, "es") == "El índice no se actualizó"
    assert ui.job_lines(failed, "es") == list(failed.lines)


def test_a_build_says_why_files_were_passed_over_in_the_readers_language(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    (corpus / "good.md").write_text("# Ferries\n\nThe ferry to the island first sailed in 1998.\n", encoding="utf-8")
    (corpus / "wide.txt").write_bytes("Notes on the harbour and its boats.\n".encode("utf-16"))
    settings = make_settings(corpus, tmp_path / "index")
    # The PDF is read in a worker process, so why it failed comes back pickled.
    settings = type(settings)(**{**settings.__dict__, "read_workers": 1})
    report = build_index(settings, FakeEmbedder())
    assert report.added == ["good.md", "wide.txt"]
    assert ui.build_summary(report, "en") == [
        ("ok", "Added: good.md, wide.txt"),
        ("warning", "Skipped empty.md: the file is empty"),
        ("error", "Failed fake.pdf: the file is named .pdf but is not a PDF; check what it is and rename it"),
        ("warning", "Note on wide.txt: decoded as UTF-16")]
    assert ui.build_summary(report, "es") == [
        ("ok", "Añadidos: good.md, wide.txt"),
        ("warning", "Omitido empty.md: el archivo está vacío"),
        ("error", "Falló fake.pdf: el archivo tiene extensión .pdf pero no es un PDF; compruebe qué es y cámbiele el "
                  "nombre"),
        ("warning", "Nota sobre wide.txt: leído como UTF-16")]
    # The build's report and the manifest keep the English.
    assert json.loads(json.dumps(report.to_dict()))["failed"] == [
        {"path": "fake.pdf", "error": "the file is named .pdf but is not a PDF; check what it is and rename it"}]
    assert read_manifest(settings.index)["skipped"][0]["reason"] == "the file is empty"


def test_a_said_written_as_json_is_read_back_the_same_in_both_languages() -> None:
    from decimal import Decimal

    Said = messages.Said
    too_large = Said("scan_too_large", limit=Said("size", number=Decimal("9.8"), unit="KB"),
                     size=Said("size", number=3, unit="MB"))
    reasons = (Said("file_reason", source="big.pdf", reason=too_large),
               Said("file_reason", source="empty.md", reason=Said("file_empty")))
    said = Said("nothing_to_index", corpus="/docs", reasons=reasons, more="")
    written = said.to_json()
    assert written["values"]["reasons"][0]["values"]["reason"]["values"]["limit"] == \
        {"key": "size", "values": {"number": {"decimal": "9.8"}, "unit": "KB"}}
    assert written["values"]["reasons"][1]["values"]["reason"] == {"key": "file_empty"}
    back = messages.said_from_json(json.loads(json.dumps(written)))
    assert isinstance(back, Said) and back.key == said.key and back.to_json() == written
    assert isinstance(back.values["reasons"], tuple) and back.values["reasons"][0].values["reason"].values[
        "limit"].values["number"] == Decimal("9.8")
    assert back == said and back.in_language("es") == said.in_language("es")
    assert "supera el límite de 9,8 KB (3 MB)" in back.in_language("es")
    assert "; empty.md: el archivo está vacío)" in back.in_language("es")
    # What is not one of this version's messages is refused, so whoever reads it keeps the English instead.
    for foreign in (None, "the file is empty", {}, {"key": "no_such_key"}, {"key": "scan_too_large"},
                    {"key": "size", "values": {"number": {"decimal": "nine"}, "unit": "KB"}},
                    {"key": "size", "values": {"number": {"other": 1}, "unit": "KB"}}, {"key": "size", "values": [1]}):
        with pytest.raises(ValueError):
            messages.said_from_json(foreign)


def test_the_sidebar_says_in_the_readers_language_why_a_file_was_not_indexed(tmp_path: Path) -> None:
    from assistant.assistant import index_status

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "good.md").write_text("# Ferries\n\nThe ferry to the island first sailed in 1998.\n", encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, FakeEmbedder())
    status = index_status(settings)  # as the sidebar reads it: the live manifest, read back
    # The manifest keeps the English, and the message's key and values beside it.
    assert [{k: e[k] for k in ("path", "reason", "said")} for e in read_manifest(settings.index)["skipped"]] == [
        {"path": "empty.md", "reason": "the file is empty", "said": {"key": "file_empty"}}]
    assert status.to_dict()["skipped"] == [{"path": "empty.md", "reason": "the file is empty"}]  # status --json
    failed, skipped = status.problems("failed"), status.problems("skipped")
    assert ui.not_indexed_lines(failed, skipped, "es") == [("warning", "Sin indexar: empty.md: el archivo está vacío")]
    english = [("warning", messages.text("not_indexed", path=item["path"], reason=item["reason"]))
               for item in status.to_dict()["skipped"]]  # the line as the sidebar wrote it before
    assert ui.not_indexed_lines(failed, skipped, "en") == english == [
        ("warning", "Not indexed: empty.md: the file is empty")]
    # A manifest written before it kept the message (or with one this version cannot read) shows the English.
    for said in (None, {"key": "no_such_key"}):
        old = [{k: v for k, v in e.items() if k != "said"} | ({"said": said} if said else {})
               for e in status.manifest["skipped"]]
        older = replace(status, manifest={**status.manifest, "skipped": old})
        assert ui.not_indexed_lines(older.problems("failed"), older.problems("skipped"), "es") == [
            ("warning", "Sin indexar: empty.md: the file is empty")]


def test_why_a_build_started_from_nothing_is_written_in_the_readers_language(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Ferries\n\nThe ferry to the island first sailed in 1998.\n", encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")
    first = build_index(settings, FakeEmbedder())
    assert first.full_reason == "there is no index yet"
    assert json.loads(json.dumps(first.to_dict()))["full_rebuild_reason"] == "there is no index yet"
    line = Job(1, "Indexing", message=messages.Said("full_rebuild", reason=first.full_reason))
    assert line.progress_in("en") == "Full rebuild: there is no index yet."
    assert line.progress_in("es") == "Reconstrucción completa: todavía no hay índice."
    # The line a rebuild shows while it runs (a first build has no earlier index to say it of).
    for settings_now, full, english, spanish in (
            (settings, True, "a full rebuild was requested", "se pidió una reconstrucción completa"),
            (replace(settings, chunking=replace(settings.chunking, max_words=settings.chunking.max_words - 1)), False,
             "the chunking settings changed since the index was built",
             "la configuración de la fragmentación cambió desde que se creó el índice")):
        said: list[str] = []
        report = build_index(settings_now, FakeEmbedder(), full=full, status=said.append)
        assert report.full_reason == english and report.to_dict()["full_rebuild_reason"] == english
        line = Job(2, "Indexing", message=next(m for m in said if m.startswith("Full rebuild")))
        assert line.progress_in("en") == f"Full rebuild: {english}."
        assert line.progress_in("es") == f"Reconstrucción completa: {spanish}."


def test_a_rebuild_says_in_the_readers_language_that_the_previous_index_is_damaged(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Ferries\n\nThe ferry to the island first sailed in 1998.\n", encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, FakeEmbedder())
    chunks = live_dir(settings.index) / "chunks.jsonl"
    chunks.write_bytes(chunks.read_bytes() + b" ")  # changed after the build: its checksum no longer matches
    said: list[str] = []
    report = build_index(settings, FakeEmbedder(), status=said.append)
    english = "the previous index is damaged (the index file chunks.jsonl is damaged or was changed since it was built)"
    spanish = ("el índice anterior está dañado (el archivo del índice chunks.jsonl está dañado o se modificó "
               "después de crearse)")
    # The command line and the JSON report keep the English, as before.
    assert report.full_reason == english
    assert json.loads(json.dumps(report.to_dict()))["full_rebuild_reason"] == english
    assert report.full_reason.in_language("es") == spanish
    english_words = set(re.findall(r"\w+", english.replace("chunks.jsonl", "")))
    assert not english_words & set(re.findall(r"\w+", spanish.replace("chunks.jsonl", "")))
    line = Job(2, "Indexing", message=next(m for m in said if m.startswith("Full rebuild")))
    assert line.progress_in("en") == f"Full rebuild: {english}."
    assert line.progress_in("es") == f"Reconstrucción completa: {spanish}."
    assert report.chunks_embedded == report.chunks_total  # and it did rebuild everything


def test_changes_sentence_and_build_time() -> None:
    assert ui.changes_sentence({"changed": ["a.md"], "new": ["b.pdf", "c.md"], "removed": []}) == \
        "changed: a.md; new: b.pdf, c.md"
    assert ui.changes_sentence({"changed": [], "new": [], "removed": []}) == ""
    assert ui.built_when("2026-11-28T16:16:00+00:00") == "2026-11-28 16:16 UTC"
    assert ui.built_when(None) == "never"


def test_transcript_writes_out_every_citation_escaped_and_rows_as_tables() -> None:
    first, second = citation(), citation(n=2, page=4, source="r.pdf", title="Report")
    answered = Answer("When?", first.quote, False, 1.0, (first, second))
    abstained = Answer("Guacamole?", None, True, 0.2, (citation(n=1, title="Closest"),))
    row = row_citation(quote="2019\t<Sat> | 1", passage="2019\t<Sat> | 1")
    turns = [ui.Turn("When?", answered, note="Indexing is still running (x), so this answer comes from the index."),
             ui.Turn("Guacamole?", abstained), ui.Turn("  ", error="The question is empty."),
             ui.Turn("<script>alert(1)</script> # *bold*", Answer("q", row.quote, False, 1.0, (row,)))]
    text = ui.transcript_markdown(turns, datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc))
    assert "Exported 2026-01-02 03:04 UTC" in text
    assert ("## 1. When?\n\n_Indexing is still running (x), so this answer comes from the index._\n\n"
            "> Second \\<b\\>bold\\</b\\>. [1]\n\nSources:\n\n") in text
    assert '1. Notes \\*draft\\* · 2. Results › 2.1 \\<i\\>Yield\\</i\\> (notes.md): "Second \\<b\\>bold\\</b\\>."' in text
    assert '2. Report · 2. Results › 2.1 \\<i\\>Yield\\</i\\> · page 4 (r.pdf): "Second \\<b\\>bold\\</b\\>."' in text
    assert "## 2. Guacamole?\n\nI couldn't find this in the documents.\n\nClosest passages:\n\n1. Closest" in text
    assert "## 3. (an empty question)\n\n_The question is empty._" in text
    assert "## 4. \\<script\\>alert(1)\\</script\\> \\# \\*bold\\*\n\n" in text
    table = ["| Year | Milestone |", "| --- | --- |", "| 2019 | \\<Sat\\> \\| 1 |"]
    assert "\n".join("> " + line for line in table) + "\n>\n> [1]\n" in text
    assert "1. t.md · Timeline (t.md), a table row:\n\n" + "\n".join("   " + line for line in table) in text
    assert "<script>" not in text and "<b>" not in text


def test_how_a_question_was_read_is_shown_escaped_and_a_translation_says_so() -> None:
    first = citation()
    english = Answer("What did it break?", first.quote, False, 0.9, (first,),
                     read_as="What did the <b>Institute</b> break?")
    assert ui.read_as_caption(english) == ui.escape_markdown("Read as: What did the <b>Institute</b> break?")
    assert "<b>" not in ui.read_as_caption(english)
    spanish = Answer("¿Es miembro de la UE?", None, True, 0.1, (first,), read_as="It is member of the European Union?",
                     language="es")
    assert ui.read_as_caption(spanish) == ui.escape_markdown(
        "Leída como (traducción automática): It is member of the European Union?")
    assert ui.read_as_caption(Answer("When?", first.quote, False, 0.9, (first,))) == ""
    text = ui.transcript_markdown([ui.Turn("What did it break?", english)], datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert "## 1. What did it break?\n\n_Read as: What did the \\<b\\>Institute\\</b\\> break?_\n\n> " in text


def test_markdown_text_neutralises_what_would_start_a_list_heading_or_entity() -> None:
    assert ui.markdown_text("1. first") == "1\\. first"
    assert ui.markdown_text("- item") == "\\- item"
    assert ui.markdown_text("+ item") == "\\+ item"
    assert ui.markdown_text("AT&T &amp; [link](x)") == "AT&T \\&amp; \\[link\\](x)"
    assert ui.markdown_text(" \n\t ") == ""


# --- PDF pages --------------------------------------------------------------------------------

def test_searchable_text_ignores_spacing_case_and_ligatures() -> None:
    assert searchable("Eﬃcient  infor-\nmation, 2013!") == searchable("efficient information 2013")


def test_merge_boxes_joins_words_on_a_line_but_not_lines_or_columns() -> None:
    words = [(10, 100, 40, 110), (44, 101, 80, 111), (300, 100, 340, 110), (10, 120, 60, 130)]
    assert merge_boxes(words) == [(10, 100, 80, 111), (300, 100, 340, 110), (10, 120, 60, 130)]


def test_render_page_highlights_the_quote_where_it_stands(tmp_path: Path) -> None:
    pdf = tmp_path / "facts.pdf"
    pdf.write_bytes(make_pdf([["Nothing to see on page one."],
                              ["An opening line.", "The observatory opened in 1998 near Puebla.", "A closing line."]]))
    view = render_page(pdf, 2, "The observatory opened in\n1998 near Puebla.", scale=1.0)
    assert view.match == "exact" and view.page_count == 2 and len(view.boxes) == 1
    left, top, right, bottom = view.boxes[0]
    # Second line of text: baseline at 720 - 14 = 706 pt, i.e. about 86 px from the top at scale 1.
    assert 70 <= left <= 75 and 74 <= top <= 90 and 84 <= bottom <= 92 and right > 250
    r, g, b = view.image.getpixel((left - 1, (top + bottom) // 2))[:3]  # in the mark's margin, not on a glyph
    assert r > 240 and b < 200  # yellow over white
    assert view.image.getpixel((300, 400))[:3] == (255, 255, 255)


def test_render_page_without_the_quote_shows_the_plain_page(tmp_path: Path) -> None:
    pdf = tmp_path / "facts.pdf"
    pdf.write_bytes(make_pdf([["Only this line."]]))
    view = render_page(pdf.read_bytes(), 1, "A sentence from another document entirely.", scale=1.0)
    assert not view.found and view.match == ""


def test_render_page_refuses_missing_pages_and_files(tmp_path: Path) -> None:
    pdf = tmp_path / "facts.pdf"
    pdf.write_bytes(make_pdf([["Only this line."]]))
    with pytest.raises(PdfViewError, match="has 1 pages, so page 3 cannot be shown"):
        render_page(pdf, 3)
    (tmp_path / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    with pytest.raises(PdfViewError, match="could not be opened"):
        render_page(tmp_path / "fake.pdf", 1)
    with pytest.raises(PdfViewError, match="no longer in the documents folder"):
        render_page(tmp_path / "gone.pdf", 1)


def test_render_page_finds_a_sentence_on_a_real_encrypted_report() -> None:
    import pypdf

    path = FIXTURES / "2022 Q3 AAPL.pdf"
    text = pypdf.PdfReader(path).pages[9].extract_text()
    quote = next(line for line in text.split("\n") if "Products net sales include amortization" in line)
    view = render_page(path, 10, quote)
    assert view.match == "exact" and view.boxes


def test_locate_quote_falls_back_to_the_longest_shared_stretch(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(make_pdf([["Revenue grew by nine percent in the third quarter of the year."]]))
    try:
        textpage = pdf[0].get_textpage()
        # pypdf may order table cells differently from pdfium: a quote with extra words still lands.
        first, last, kind = locate_quote(textpage, "Total: Revenue grew by nine percent in the third quarter")
        assert kind == "approximate" and first == 0 and last >= 40
        assert locate_quote(textpage, "Completely unrelated words here") is None
    finally:
        pdf.close()
