"""Built-in kinds are discovered from their folders; their metadata lives in the schema."""
from __future__ import annotations

from docgen import kinds
from docgen.kinds import KINDS_DIR
from docgen.output import name_fields
from docgen.pipeline import name_fields_of


def test_every_folder_with_a_schema_is_a_kind_in_display_order() -> None:
    folders = sorted(p.parent.name for p in KINDS_DIR.glob("*/schema.yaml"))
    assert sorted(kinds.available()) == folders
    assert kinds.available() == ["minutes", "brief", "weekly", "signoff", "invoice"]


def test_metadata_comes_from_the_schema() -> None:
    for name in kinds.available():
        kind = kinds.get(name)
        assert kind is not None and not kind.user
        schema = kind.schema
        assert kind.order == schema["x-order"]
        assert kind.default_name == schema["x-default-name"]
        # --group-by fills a list field of the kind
        assert schema["properties"][kind.group_list]["type"] == "array"
        assert kind.template_path("docx").is_file() and kind.template_path("xlsx").is_file()
        assert kind.sample_path("ko").is_file()
        # the default name reads only fields the kind has
        assert set(name_fields(kind.default_name)) <= name_fields_of(kind)
