"""Build the Teams app package an admin uploads: `python -m manifests.package` (or `make package`).

Fills the manifest template from Settings (MICROSOFT_APP_ID, BOT_DOMAIN, TEAMS_APP_ID,
TEAMS_APP_VERSION) and writes build/appPackage.zip with manifest.json and the two icons.
"""

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from config.settings import Settings

HERE = Path(__file__).parent
TEMPLATE = HERE / "manifest.template.json"
ICONS = ("color.png", "outline.png")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
DOMAIN = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(\.(?!-)[A-Za-z0-9-]{1,63})+$")


class PackageError(ValueError):
    """A setting the package needs is missing or malformed; the message says which."""


def manifest(settings: Settings) -> dict[str, Any]:
    if not GUID.match(settings.microsoft_app_id):
        raise PackageError("MICROSOFT_APP_ID must be the bot's Entra application (client) id")
    if not GUID.match(settings.teams_app_id):
        raise PackageError("TEAMS_APP_ID must be a GUID")
    if not DOMAIN.match(settings.bot_domain):
        raise PackageError(
            "BOT_DOMAIN must be the host name the bot is served on, e.g. "
            "wrapbot.example.gov.uk (no https://, no path)"
        )
    values = {
        "MICROSOFT_APP_ID": settings.microsoft_app_id,
        "TEAMS_APP_ID": settings.teams_app_id,
        "TEAMS_APP_VERSION": settings.teams_app_version,
        "BOT_DOMAIN": settings.bot_domain,
    }
    filled = PLACEHOLDER.sub(lambda m: values[m[1]], TEMPLATE.read_text())
    filled_manifest: dict[str, Any] = json.loads(filled)  # the template is one JSON object
    return filled_manifest


def build(settings: Settings, out: Path) -> Path:
    content = manifest(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(content, indent=2))
        for icon in ICONS:
            package.write(HERE / icon, icon)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m manifests.package", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("build/appPackage.zip"))
    args = parser.parse_args(argv)
    try:
        written = build(Settings(), args.out)
    except PackageError as problem:
        print(f"cannot build the package: {problem}", file=sys.stderr)
        return 2
    print(f"wrote {written}: upload it in Teams admin centre > Manage apps > Upload")
    return 0


if __name__ == "__main__":
    sys.exit(main())
