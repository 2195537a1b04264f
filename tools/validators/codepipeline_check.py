"""Validates CodePipeline CreatePipeline inputs with the service's own tools.

Usage: codepipeline_check.py FILE.json [FILE.json ...]

Each file holds one CreatePipeline input ({"pipeline": {...}}). Three checks:

1. botocore's ParamValidator against the CreatePipeline input shape of the
   service model botocore ships (types, required members, min for lists).
2. A walk of the same shape for the constraints ParamValidator leaves to the
   service: string and list `max`/`min` lengths, `enum` values and `pattern`
   (which the service matches against the whole value).
3. cfn-lint on a CloudFormation template holding the pipeline as an
   AWS::CodePipeline::Pipeline resource (artifact wiring, sources only in the
   first stage, action configuration, the resource schema).

Prints a JSON list of problems, each {"file", "validator", "path", "message"},
and exits 1 if there is any.
"""

import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator


def model_shape():
    model = botocore.session.get_session().get_service_model("codepipeline")
    return model.operation_model("CreatePipeline").input_shape


def check_botocore(shape, document):
    report = ParamValidator().validate(document, shape)
    if not report.has_errors():
        return []
    return [("botocore", "", line.strip()) for line in report.generate_report().splitlines()
            if line.strip() and not line.startswith("Parameter validation failed")]


def walk(shape, value, path, problems):
    """Checks max/min lengths, enums and patterns down the shape."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                walk(member, value[name], f"{path}.{name}", problems)
    elif kind == "list" and isinstance(value, list):
        check_length(meta, len(value), path, problems)
        for index, item in enumerate(value):
            walk(shape.member, item, f"{path}[{index}]", problems)
    elif kind == "map" and isinstance(value, dict):
        check_length(meta, len(value), path, problems)
        for key, item in value.items():
            walk(shape.key, key, f"{path}<key {key}>", problems)
            walk(shape.value, item, f"{path}.{key}", problems)
    elif kind == "string" and isinstance(value, str):
        check_length(meta, len(value), path, problems)
        if shape.enum and value not in shape.enum:
            problems.append(("model", path, f"{value!r} is not one of {shape.enum}"))
        pattern = meta.get("pattern")
        if pattern is not None and re.fullmatch(pattern, value, re.DOTALL) is None:
            problems.append(("model", path, f"{value!r} does not match {pattern}"))
    elif kind in ("integer", "long") and isinstance(value, int):
        if "min" in meta and value < meta["min"]:
            problems.append(("model", path, f"{value} is below the minimum {meta['min']}"))
        if "max" in meta and value > meta["max"]:
            problems.append(("model", path, f"{value} is above the maximum {meta['max']}"))


def check_length(meta, length, path, problems):
    if "min" in meta and length < meta["min"]:
        problems.append(("model", path, f"length {length} is below the minimum {meta['min']}"))
    if "max" in meta and length > meta["max"]:
        problems.append(("model", path, f"length {length} is above the maximum {meta['max']}"))


# The API's camelCase members become the resource's PascalCase properties
# by capitalising the first letter. The contents of `configuration` maps are
# the providers' own keys and stay as they are.
VERBATIM = {"configuration"}
# Members of the API's pipeline declaration the resource does not have.
PIPELINE_API_ONLY = {"version", "artifactStores"}


def to_resource(value, key=None):
    if key in VERBATIM:
        return value
    if isinstance(value, dict):
        return {
            k[:1].upper() + k[1:]: to_resource(v, k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [to_resource(item) for item in value]
    return value


def cfn_template(pipeline):
    """The pipeline as an AWS::CodePipeline::Pipeline resource.

    The API's `artifactStores` is a map from region to store; the resource's
    `ArtifactStores` is a list of {Region, ArtifactStore}.
    """
    properties = to_resource({k: v for k, v in pipeline.items() if k not in PIPELINE_API_ONLY})
    if "artifactStores" in pipeline:
        properties["ArtifactStores"] = [
            {"Region": region, "ArtifactStore": to_resource(store)}
            for region, store in sorted(pipeline["artifactStores"].items())
        ]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": properties}},
    }


def check_cfn_lint(pipeline):
    from cfnlint.api import lint_all

    template = json.dumps(cfn_template(pipeline), indent=1)
    return [
        ("cfn-lint", "/".join(str(part) for part in match.path) if getattr(match, "path", None) else "",
         f"{match.rule.id} {match.message}")
        for match in lint_all(template)
        # Informational rules are advice about templates, not problems.
        if not match.rule.id.startswith("I")
    ]


def check(path, shape):
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as error:
        return [("json", "", str(error))]
    problems = check_botocore(shape, document)
    walk(shape, document, "", problems)
    pipeline = document.get("pipeline") if isinstance(document, dict) else None
    if isinstance(pipeline, dict):
        problems.extend(check_cfn_lint(pipeline))
    return problems


def main(paths):
    shape = model_shape()
    problems = [
        {"file": path, "validator": validator, "path": where, "message": message}
        for path in paths
        for validator, where, message in check(path, shape)
    ]
    json.dump(problems, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
