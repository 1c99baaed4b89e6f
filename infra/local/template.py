"""Reads template.yaml as CloudFormation does (short-form tags included) and resolves intrinsics for a local stack."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short-form tags into their long-form dicts."""


def _construct_tag(loader: _CloudFormationLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    # !GetAtt Resource.Attribute is the short form of [Resource, Attribute]; the attribute may itself contain dots
    # (Outputs.Name), so split only once.
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data: `!Ref X` becomes {"Ref": "X"}, `!GetAtt A.B` becomes {"Fn::GetAtt": ["A", "B"]}."""
    with Path(path).open(encoding="utf-8") as stream:
        loader = _CloudFormationLoader(stream)
        try:
            template = loader.get_single_data()
        finally:
            loader.dispose()
    if not isinstance(template, dict):
        raise TypeError(f"{path} is not a template (top level is {type(template).__name__})")
    return template


class UnresolvableIntrinsic(ValueError):
    pass


@dataclass
class LocalNames:
    """Physical names and ARNs the local stack gives each resource, as CloudFormation would on deploy."""

    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)  # the template's Conditions section

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise UnresolvableIntrinsic(f"condition {name} is not defined in the template")
        return bool(self.resolve(self.conditions[name]))

    def pseudo(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local",
            "AWS::NoValue": "",
        }
        if name not in pseudo:
            raise UnresolvableIntrinsic(f"unknown pseudo parameter {name}")
        return pseudo[name]

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise UnresolvableIntrinsic(f"!Ref {name}: no such parameter or resource")

    def get_att(self, resource: str, attribute: str) -> str:
        try:
            return self.attributes[(resource, attribute)]
        except KeyError:
            raise UnresolvableIntrinsic(f"!GetAtt {resource}.{attribute} is not known to the local runtime") from None

    def resolve(self, value: Any) -> Any:
        """Resolve Ref, GetAtt, Sub, Join, Select, Split and the condition functions, as CloudFormation does."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        resolve = self.resolve
        return {
            "Ref": self.ref,
            "Fn::GetAtt": lambda arg: self.get_att(*(arg if isinstance(arg, list) else str(arg).split(".", 1))),
            "Fn::Sub": self._sub,
            "Fn::Join": lambda arg: arg[0].join(str(resolve(i)) for i in resolve(arg[1])),
            "Fn::Select": lambda arg: resolve(arg[1])[int(resolve(arg[0]))],
            "Fn::Split": lambda arg: str(resolve(arg[1])).split(arg[0]),
            "Fn::Equals": lambda arg: resolve(arg[0]) == resolve(arg[1]),
            "Fn::Not": lambda arg: not resolve(arg[0]),
            "Fn::And": lambda arg: all(resolve(a) for a in arg),
            "Fn::Or": lambda arg: any(resolve(a) for a in arg),
            "Condition": self.condition,
            "Fn::If": lambda arg: resolve(arg[1] if self.condition(arg[0]) else arg[2]),
        }

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def substitute_definition(definition: str, substitutions: dict[str, str]) -> str:
    """What `DefinitionSubstitutions` does on deploy: every ${Name} in the ASL replaced; an unknown one is an error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in substitutions:
            raise UnresolvableIntrinsic(f"ASL placeholder ${{{name}}} has no DefinitionSubstitutions entry")
        return substitutions[name]

    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", replace, definition)


def template_parameters(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """Parameter values as CloudFormation passes them: defaults, overridden, comma-delimited lists as lists."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        raw = overrides.get(name, str(spec.get("Default", "")))
        values[name] = [v.strip() for v in raw.split(",")] if spec.get("Type") == "CommaDelimitedList" else raw
    return values
