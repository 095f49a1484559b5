"""The one file a dashboard form uploads: read within the file limit, or why it is refused."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request

from bot.filelimits import LIMITS

NAME_MAX = 200  # characters of the file's name kept


@dataclass(frozen=True, slots=True)
class Upload:
    """The uploaded file's name and content."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Refused:
    """Why the upload is refused: the HTTP status and the text key to show."""

    status: int
    problem: str


async def read_upload(request: Request, *, no_file: str) -> Upload | Refused:
    """Read the form's `file` (at most the file limit); `no_file` is the text key shown when
    the form has none."""
    async with request.form(max_files=1, max_part_size=LIMITS.file_bytes) as form:
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            return Refused(400, no_file)
        data = await sent.read(LIMITS.file_bytes + 1)
        name = sent.filename[:NAME_MAX]
    if not data:
        return Refused(400, "web.agenda.empty")
    if len(data) > LIMITS.file_bytes:
        return Refused(413, "web.agenda.too_big")
    return Upload(name, data)
