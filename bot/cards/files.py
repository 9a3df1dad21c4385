"""Teams file attachments: the consent card that asks to save a file, and the saved file's card.

A bot can only put a file in a personal chat by asking first: Teams shows the consent card, and
on Allow the person's client sends the bot a `fileConsent/invoke` with an upload URL in their
OneDrive. The context travels through Teams and comes back with that invoke.
"""

from typing import Any

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def file_consent_attachment(
    name: str, description: str, size: int, context: dict[str, Any]
) -> dict[str, Any]:
    """The consent card; its context names the offer (`offer`: an id the bot recorded when it
    made the offer), so only an answer to an offer it made is acted on, and only once."""
    return {
        "contentType": FILE_CONSENT,
        "name": name,
        "content": {
            "description": description,
            "sizeInBytes": size,
            "acceptContext": context,
            "declineContext": context,
        },
    }


def file_info_attachment(upload_info: dict[str, Any]) -> dict[str, Any]:
    return {
        "contentType": FILE_INFO,
        "name": upload_info.get("name", ""),
        "contentUrl": upload_info.get("contentUrl", ""),
        "content": {
            "uniqueId": upload_info.get("uniqueId", ""),
            "fileType": upload_info.get("fileType", ""),
        },
    }
