"""python -m assistant.train fit|export|calibrate: reproduce assistant/models/reader from the data in the repository."""

from .cli import main

raise SystemExit(main())
