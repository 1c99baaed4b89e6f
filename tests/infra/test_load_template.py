"""The template loader reads every CloudFormation short-form tag as its long form, so whatever reads
template.yaml (these tests, the local runtime) sees the intrinsics CloudFormation sees."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from yaml.constructor import ConstructorError

Loader = Callable[[Path | str], dict[str, Any]]

SHORT_FORMS = """
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Thing:
    Type: AWS::Test::Thing
    Properties:
      Name: !Sub "${AWS::StackName}-thing"
      Pair: !Sub ["${A}-${B}", {A: !Ref Stage, B: !GetAtt Other.Arn}]
      Nested: !GetAtt Stack.Outputs.Url
      Listed: !GetAtt [Other, Arn]
      Chosen: !If [IsProd, !Select [0, !Split [",", !Ref Origins]], !Join ["-", [a, b]]]
      Zones: !GetAZs ""
      Mapped: !FindInMap [Map, !Ref "AWS::Region", Key]
      Encoded: !Base64 text
      Imported: !ImportValue shared-name
"""


def test_short_form_tags_load_as_their_long_form(template_loader: Loader, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(SHORT_FORMS, encoding="utf-8")

    template = template_loader(path)

    assert template["Conditions"] == {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    }
    assert template["Resources"]["Thing"]["Properties"] == {
        "Name": {"Fn::Sub": "${AWS::StackName}-thing"},
        "Pair": {"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "Stage"}, "B": {"Fn::GetAtt": ["Other", "Arn"]}}]},
        "Nested": {"Fn::GetAtt": ["Stack", "Outputs.Url"]},
        "Listed": {"Fn::GetAtt": ["Other", "Arn"]},
        "Chosen": {
            "Fn::If": [
                "IsProd",
                {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "Origins"}]}]},
                {"Fn::Join": ["-", ["a", "b"]]},
            ]
        },
        "Zones": {"Fn::GetAZs": ""},
        "Mapped": {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]},
        "Encoded": {"Fn::Base64": "text"},
        "Imported": {"Fn::ImportValue": "shared-name"},
    }


def test_loader_stays_safe_against_python_object_tags(template_loader: Loader, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources: !!python/object/apply:os.system [echo unsafe]\n", encoding="utf-8")

    with pytest.raises(ConstructorError):
        template_loader(path)


def test_project_template_loads_with_its_intrinsics(template: dict[str, Any]) -> None:
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["LEADS_TABLE"] == {"Ref": "LeadsTable"}
    assert template["Resources"]["LeadflowBus"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-bus"}
