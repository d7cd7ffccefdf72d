"""The shape of a callback request, checked before Dash reads it.

Dash trusts the envelope its own pages send to `/_dash-update-component` (which callback, which inputs
in which order) and fails with a 500 and a traceback in the log on anything else: a body that is a
list, an output no callback has, inputs that are not a list or name other components, a number where
its page router expects the address. Each callback checks its input *values* itself (never trusting
them); this module checks the envelope around them against the app's own callback map, so a crafted
request is refused with a 400 that says why, and Dash only ever sees requests its pages could send.
"""

from __future__ import annotations

from collections.abc import Mapping

# Dash's own page router reads its location component's pathname and search as text, the path under the
# app's prefix (anything else raises inside Dash).
_DASH_LOCATION = "_pages_location"


def problem(body: object, callback_map: Mapping[str, dict], path_prefix: str = "/") -> str | None:
    """None when `body` is a request one of the app's callbacks could receive; else what is wrong.
    `path_prefix`: the app's requests_pathname_prefix, which every page address starts with."""
    if not isinstance(body, dict):
        return "the request body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "it names no callback of this site"
    spec = callback_map[output]
    # the output key names each output as id.property (a duplicate-allowed one with an @hash suffix)
    names = [part.split("@")[0] for part in (output.strip(".").split("...") if output.startswith("..") else [output])]
    outputs = body.get("outputs")
    listed = outputs if isinstance(outputs, list) and output.startswith("..") else [outputs]
    if len(listed) != len(names) or not all(_output_fits(item, name) for item, name in zip(listed, names)):
        return "its outputs do not match the callback"
    for key in ("inputs", "state"):
        expected = spec.get(key) or []
        sent = body.get(key, [] if key == "state" else None)  # Dash leaves state out when there is none
        if not isinstance(sent, list) or len(sent) != len(expected):
            return f"its {key} do not match the callback"
        for item, wanted in zip(sent, expected):
            if str(wanted.get("id", "")).startswith("{"):  # a pattern-matching id: Dash matches it itself
                if not isinstance(item, (dict, list)):
                    return f"its {key} do not match the callback"
                continue
            if not _is_slot(item) or item["id"] != wanted.get("id") or item["property"] != wanted.get("property"):
                return f"its {key} do not match the callback"
            if item["id"] == _DASH_LOCATION and not _address_part(item["property"], item.get("value"), path_prefix):
                return "the page address it sends is not one a browser sends"
    changed = body.get("changedPropIds", [])
    if not (isinstance(changed, list) and all(isinstance(c, str) for c in changed)):
        return "its changed properties are not a list of names"
    return None


def _address_part(prop: str, value: object, path_prefix: str) -> bool:
    """A location property as a browser sends it: text (or nothing), and a path under the app's prefix."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return value.startswith(path_prefix) if prop == "pathname" else True


def _output_fits(item: object, name: str) -> bool:
    if name.startswith("{"):  # a pattern-matching output (a list of slots for ALL): Dash matches it itself
        return isinstance(item, (dict, list))
    return _is_slot(item) and f"{item['id']}.{item['property'].split('@')[0]}" == name


def _is_slot(item: object) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))
