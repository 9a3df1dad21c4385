"""The Teams app package is valid against Microsoft's own manifest schema, with proper icons."""

import io
import json
import os
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from PIL import Image

from config.settings import Settings
from manifests.package import PackageError, build

SCHEMAS = (
    Path(__file__).parents[1]
    / "e2e/node_modules/@microsoft/app-manifest/build/json-schemas"
    / "teams"
)
APP_ID = "9a1e6f0e-3c44-4b8e-9d0e-5f1c2b7a8d11"


def _settings(**overrides: str) -> Settings:
    values = {"microsoft_app_id": APP_ID, "bot_domain": "wrapbot.example.gov.uk", **overrides}
    return Settings(_env_file=None, **values)


@pytest.fixture
def package(tmp_path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(build(_settings(), tmp_path / "appPackage.zip"))


def _schema_for(manifest: dict) -> dict:
    version = re.search(r"/v([\d.]+|DevPreview)/", manifest["$schema"])
    assert version, manifest["$schema"]
    path = SCHEMAS / f"v{version[1]}" / "MicrosoftTeams.schema.json"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: make test installs @microsoft/app-manifest")
        pytest.skip("Microsoft's manifest schemas are not installed (run make test)")
    return json.loads(path.read_text())


def test_the_manifest_is_valid_against_the_official_schema(package):
    manifest = json.loads(package.read("manifest.json"))
    errors = sorted(Draft4Validator(_schema_for(manifest)).iter_errors(manifest), key=str)
    assert errors == [], "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["wrapbot.example.gov.uk"]
    assert manifest["webApplicationInfo"]["id"] == APP_ID


def test_the_icons_have_teams_sizes_and_the_outline_is_white_on_transparent(package):
    color = Image.open(io.BytesIO(package.read("color.png")))
    outline = Image.open(io.BytesIO(package.read("outline.png"))).convert("RGBA")
    assert color.size == (192, 192) and outline.size == (32, 32)
    pixels = [outline.getpixel((x, y)) for y in range(32) for x in range(32)]
    assert outline.getpixel((0, 0))[3] == 0
    drawn = [p for p in pixels if p[3] > 0]
    assert drawn and all(p[:3] == (255, 255, 255) for p in drawn)
    assert len(drawn) < len(pixels) / 2  # an outline, not a filled square


def test_every_listed_command_is_one_the_bot_understands(package, router):
    manifest = json.loads(package.read("manifest.json"))
    titles = [c["title"] for lst in manifest["bots"][0]["commandLists"] for c in lst["commands"]]
    not_understood = [t for t in titles if router.read_text(t, date(2027, 1, 11)).verb == "unknown"]
    assert not_understood == []


def test_the_bot_can_be_added_to_group_chats_with_only_shared_chat_commands(package, router):
    """The README describes group chats, so the manifest lets people add the bot to one; the
    commands it lists there are ones the bot runs in a shared chat."""
    bot = json.loads(package.read("manifest.json"))["bots"][0]
    assert {"personal", "team", "groupChat"} <= set(bot["scopes"])
    shared = [lst for lst in bot["commandLists"] if "groupChat" in lst["scopes"]]
    assert shared
    verbs = [router.read_text(c["title"], date(2027, 1, 11)).verb for c in shared[0]["commands"]]
    assert all(router.routes[verb].in_shared_chats for verb in verbs), verbs


@pytest.mark.parametrize(
    "overrides",
    [
        {"microsoft_app_id": ""},
        {"bot_domain": ""},
        {"bot_domain": "https://wrapbot.example.gov.uk/"},
        {"teams_app_id": "not-a-guid"},
    ],
)
def test_missing_or_malformed_settings_are_named(tmp_path, overrides):
    with pytest.raises(PackageError):
        build(_settings(**overrides), tmp_path / "appPackage.zip")
    assert not (tmp_path / "appPackage.zip").exists()
