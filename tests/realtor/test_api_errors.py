"""The API's error shape: nested and list-item field errors get dotted names, messages are strings."""

from rest_framework.exceptions import ErrorDetail

from realtor.api.exception_handler import field_errors


def test_nested_and_list_item_errors_are_flattened_to_dotted_names():
    detail = {
        "email": [ErrorDetail("Enter a valid email address.", code="invalid")],
        "consent": {"text": [ErrorDetail("Required.", code="required")]},
        "postal_codes": {1: [ErrorDetail("Bad ZIP.", code="invalid")]},
        "rooms": [{}, {"area": [ErrorDetail("Too big.", code="max_value")]}],
    }
    assert field_errors(detail) == {
        "email": ["Enter a valid email address."],
        "consent.text": ["Required."],
        "postal_codes.1": ["Bad ZIP."],
        "rooms.1.area": ["Too big."],
    }


def test_errors_of_no_field_are_non_field_errors():
    assert field_errors([ErrorDetail("Nope.", code="invalid")]) == {"non_field_errors": ["Nope."]}
    assert field_errors("Nope.") == {"non_field_errors": ["Nope."]}
