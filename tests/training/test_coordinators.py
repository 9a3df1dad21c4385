"""Who counts as a coordinator: the named people, and an Entra group's members once read."""

from training.people.coordinators import Coordinators

PAT = "c0000000-0000-0000-0000-000000000001"
GILL = "9111aaaa-0000-0000-0000-000000000002"


def test_before_the_group_is_read_only_the_named_people_count():
    coordinators = Coordinators([PAT, "Lee.Lead@Council.gov.uk"])
    assert coordinators.includes(PAT.upper())
    assert coordinators.includes("someone-else", "lee.lead@council.gov.uk")
    assert not coordinators.includes(GILL, "gill@council.gov.uk")
    assert not coordinators.group_read


def test_group_members_count_by_object_id_or_email_or_principal_name_in_any_case():
    coordinators = Coordinators([PAT])
    coordinators.use_group([GILL, "Gill.Group@Council.gov.uk", "gill@council.onmicrosoft.com"])
    assert coordinators.includes(GILL.upper(), None)
    assert coordinators.includes(None, "GILL.GROUP@council.gov.uk")
    assert coordinators.includes("not-her-id", "Gill@Council.onmicrosoft.com")
    assert coordinators.includes(PAT)  # the named people still count
    assert not coordinators.includes("dev-id", "dev@council.gov.uk")
    assert not coordinators.includes(None, None)


def test_a_new_reading_of_the_group_replaces_the_last():
    coordinators = Coordinators()
    coordinators.use_group([GILL])
    coordinators.use_group(["other-id"])
    assert not coordinators.includes(GILL)
    assert coordinators.includes("OTHER-ID")


def test_reminders_go_to_the_named_people_and_the_group_each_once():
    coordinators = Coordinators([PAT, " "])
    coordinators.use_group([PAT.upper(), GILL, "gill@council.gov.uk", ""])
    assert coordinators.identifiers() == [PAT, GILL, "gill@council.gov.uk"]
