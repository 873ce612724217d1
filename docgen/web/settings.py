"""What one ``docgen serve`` process is configured with."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ..pdfpool import PdfPool
    from ..profile import Profile


@dataclass
class WebSettings:
    work_dir: Path  # temporary files of this server (uploads, previews, batch outputs)
    secret_key: bytes  # signs session cookies and CSRF tokens
    profile_path: Optional[Path] = None
    profile: Optional["Profile"] = None
    team: bool = False  # --team / --host other than loopback: log-in required
    upload_limit: int = 20 * 1024 * 1024  # bytes
    pdf_pool: Optional["PdfPool"] = None
    https_only: bool = False  # --https-only: the session cookie is Secure (behind TLS)
