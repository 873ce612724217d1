"""What one ``docgen serve`` process is configured with."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:
    from ..i18n.locale import DocLocale
    from ..pdfpool import PdfPool
    from ..profile import Profile


@dataclass(frozen=True)
class ProfileChoice:
    """One company profile the pages offer (``docgen serve --config A --config B``).

    ``key`` is what the form's ``profile`` field and the cookie carry: a short name
    made from the file name, never a path (the client only ever picks one of these)."""

    key: str
    profile: "Profile"

    @property
    def path(self) -> Optional[Path]:
        return self.profile.path

    def label(self, loc: "DocLocale") -> str:
        """The company's name in ``loc``'s language, and the file name."""
        company = str(self.profile.context(loc).get("name") or "").strip()
        file = self.path.name if self.path is not None else ""
        if company and file:
            return f"{company} ({file})"
        return company or file or self.key


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "-", text).strip("-.") or "profile"


def profile_choices(profiles: Sequence["Profile"]) -> list[ProfileChoice]:
    """``profiles`` with a key each: the file's stem (``seoul.toml`` → ``seoul``); the
    same stem twice (``seoul/docgen.toml``, ``taipei/docgen.toml``) takes the folder's
    name too, and a number if that is still not enough."""
    def base(p: "Profile") -> str:
        return _slug(p.path.stem) if p.path is not None else "default"

    stems = [base(p) for p in profiles]
    keys: list[str] = []
    for p, stem in zip(profiles, stems):
        key = stem
        if stems.count(stem) > 1 and p.path is not None:
            key = _slug(f"{p.path.parent.name}-{stem}")
        n = 2
        candidate = key
        while candidate in keys:
            candidate = f"{key}-{n}"
            n += 1
        keys.append(candidate)
    return [ProfileChoice(k, p) for k, p in zip(keys, profiles)]


@dataclass
class WebSettings:
    work_dir: Path  # temporary files of this server (uploads, previews, batch outputs)
    secret_key: bytes  # signs session cookies and CSRF tokens
    # The primary profile (the first --config): the ledger, e-mail and team settings
    # always come from it, and it is the documents' profile unless another is chosen.
    profile_path: Optional[Path] = None
    profile: Optional["Profile"] = None
    team: bool = False  # --team / --host other than loopback: log-in required
    upload_limit: int = 20 * 1024 * 1024  # bytes
    pdf_pool: Optional["PdfPool"] = None
    https_only: bool = False  # --https-only: the session cookie is Secure (behind TLS)
    # Every profile the document pages offer, the primary first (empty: the primary
    # alone, when there is one). See :meth:`choices`.
    profiles: list[ProfileChoice] = field(default_factory=list)

    def choices(self) -> list[ProfileChoice]:
        """The profiles to choose from, the primary first ([] without any profile)."""
        if self.profiles:
            return list(self.profiles)
        return profile_choices([self.profile]) if self.profile is not None else []

    def choice(self, key: Optional[str]) -> Optional[ProfileChoice]:
        """The profile named ``key`` (None: not one of this server's)."""
        return next((c for c in self.choices() if c.key == key), None) if key else None
