"""The README tells the tenant admin what Teams must be set to for the record to be whole: the
meeting policy that keeps everyone in the attendance report, and how long Teams keeps reports,
each with Microsoft's page."""

from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_readme_names_the_meeting_policy_that_keeps_everyone_in_the_report():
    for told in (
        "**Include attendees in the report** | **Always** (attendees can't opt out)",
        "-AllowTrackingInReport Enabled",
        "-AllowEngagementReport ForceEnabled",
        "-InfoShownInReportMode FullInformation",
        "https://learn.microsoft.com/en-us/microsoftteams/teams-analytics-and-reports/"
        "meeting-attendance-report",
    ):
        assert told in README, told


def test_the_readme_says_teams_keeps_reports_a_year_and_wrapbot_its_own_copy():
    for told in (
        "one-year retention policy from the meeting date",
        "https://learn.microsoft.com/en-us/graph/api/resources/meetingattendancereport",
        "keeps its own copy of every report",
        "the register fills the gap",
    ):
        assert told in README, told
