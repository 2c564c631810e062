"""A Person saved without a date of birth is told "the date of birth cannot be in the future".

Seen in the browser (English form, all fields empty): beside "Date of Birth is mandatory" the form
said "The date of birth cannot be in the future" — the rule `doc.date_of_birth <= today` fails on
an empty date. The same holds for the Termination Report's procedure date and the Pregnancy
Record's outcome date. An empty field is the mandatory check's business; a rule about its value
should not speak until there is one.
"""

from __future__ import annotations

import pytest
from workflow_support import EAST

from townflow.runtime import errors


def test_an_empty_date_of_birth_is_only_mandatory(wsite, world):
    household = world.household(EAST)
    clerk = wsite.session("clerk.east")
    with pytest.raises(errors.ValidationError) as refused:
        clerk.insert(
            {
                "doctype": "Person",
                "household": household["name"],
                "full_name": "李四",
                "gender": "Female",
                "relationship": "Daughter",
            }
        )
    said = [m.en for m in refused.value.messages]
    assert "Date of Birth is mandatory" in said
    assert not any("cannot be in the future" in m for m in said), said
