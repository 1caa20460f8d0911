"""A local SMTP sink for the production-like stack: production refuses to start without SMTP, and the
load test reads the verification mails it sends. python -m operations.mailbox FOLDER PORT"""

import sys
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToFolder:
    """aiosmtpd handler: each accepted message becomes one file named by a fresh id."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        recipient = envelope.rcpt_tos[0].lower()
        path = self.folder / f"{recipient}.{uuid.uuid4().hex}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted"


def read_mail(folder: Path, recipient: str) -> list[str]:
    """Every message delivered to recipient so far, oldest first."""
    paths = sorted(folder.glob(f"{recipient.lower()}.*.eml"), key=lambda p: p.stat().st_mtime)
    return [p.read_text(errors="replace") for p in paths]


def main() -> None:
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
