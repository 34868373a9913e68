"""Profile checks and the row checks of the mapping layer, through the real paths: a profile is
refused when saved (YAML or editor) with every problem named, and a bad value in a file is a
rejected row with its line, column and reason, never a failed or crashed import."""

import datetime as dt

import pytest
import yaml
from django.core.exceptions import ValidationError

from steward.interactions import services
from steward.interactions.builtin_profiles import BUILTIN_PROFILES
from steward.interactions.models import ImportBatch, Interaction, MappingProfile, RejectedRow

UTC = dt.UTC
GENERIC = "external_id,channel,arrived_at,talk_seconds,attributes\n"
ZENDESK = "Id,Created at,Via,First reply time in minutes\n"
ACD = "Call ID,Queue,Offered,Answered,Disposition,Abandoned\n"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def setup(make_vendor, make_project, media):
    vendor = make_vendor("acme")
    project = make_project("hotline", [vendor], channels=("voice", "chat", "email", "ticket"), time_zone="UTC")
    return project, vendor


def imp(setup, tmp_path, text: str, profile: str = "generic"):
    project, vendor = setup
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    return services.import_file(actor=None, project=project, vendor=vendor, path=str(path),
                                profile=profile, allow_rejects=True)


def rejects(result) -> list[tuple[int, str, str]]:
    return list(RejectedRow.objects.filter(batch=result.batch).order_by("line").values_list("line", "column", "reason"))


def save_yaml(**changes) -> MappingProfile:
    definition = {**BUILTIN_PROFILES["generic"], "name": "mine", **changes}
    return services.profile_import_yaml(text=yaml.safe_dump(definition, allow_unicode=True))


# ------------------------------------------------------------------ 1. offsets


@pytest.mark.parametrize("amount", ["abc", "1e11", "NaN", "inf", "1e20", "-5"])
def test_unreadable_first_reply_minutes_reject_the_row(setup, tmp_path, amount):
    result = imp(setup, tmp_path, ZENDESK + f"1,2024-01-01 10:00,Email,{amount}\n"
                                            "2,2024-01-01 10:00,Email,38\n"
                                            "3,2024-01-01 10:00,Email,\n", "zendesk-tickets")
    assert result.batch.status == ImportBatch.Status.DONE
    assert rejects(result) == [(2, "first_response_at", f"First reply time in minutes: '{amount}' is not a "
                                                        "number of minutes from 0 to 5270400")]
    # in range: as before (Created at + minutes); empty: no first reply
    assert Interaction.objects.get(external_id="2").first_response_at == dt.datetime(2024, 1, 1, 10, 38, tzinfo=UTC)
    assert Interaction.objects.get(external_id="3").first_response_at is None


# ------------------------------------------------------------------ 2. attributes


def test_attributes_that_are_not_a_json_object_reject_the_row(setup, tmp_path):
    rows = ['ok,chat,2024-01-01 10:00:00,,"{""a"": [1, ""是""]}"',
            'oops,chat,2024-01-01 10:00:00,,"{oops"',
            'trail,chat,2024-01-01 10:00:00,,"{""x"": 1} trailing"',
            'list,chat,2024-01-01 10:00:00,,"[1, 2]"',
            'nul,chat,2024-01-01 10:00:00,,"{""a"": ""\\u0000""}"',
            "none,chat,2024-01-01 10:00:00,,"]
    result = imp(setup, tmp_path, GENERIC + "\n".join(rows) + "\n")
    assert result.batch.status == ImportBatch.Status.DONE
    assert rejects(result) == [
        (3, "attributes", "attributes: '{oops' is not a JSON object"),
        (4, "attributes", """attributes: '{"x": 1} trailing' is not a JSON object"""),
        (5, "attributes", "attributes: '[1, 2]' is not a JSON object"),
        (6, "attributes", """attributes: '{"a": "\\u0000"}' is not a JSON object"""),
    ]
    assert dict(Interaction.objects.values_list("external_id", "attributes")) == {"ok": {"a": [1, "是"]}, "none": {}}


def test_a_column_called_attributes_is_kept_only_when_the_profile_maps_it(setup, tmp_path):
    # acd-calls does not map attributes: the column is ignored like any other unmapped column
    result = imp(setup, tmp_path, "Call ID,Queue,Offered,attributes\n1,Q,2024-01-01 10:00:00,hello\n", "acd-calls")
    assert (result.inserted, rejects(result)) == (1, [])
    assert Interaction.objects.get(external_id="1").attributes == {}
    # a profile that maps another column to attributes reads that one
    services.profile_save(definition={"name": "extra", "columns": {
        "external_id": "id", "channel": "ch", "arrived_at": "at", "attributes": "Extra"}})
    result = imp(setup, tmp_path, 'id,ch,at,attributes,Extra\n2,chat,2024-01-01 10:00:00,{},"{""k"": 1}"\n'
                                  "3,chat,2024-01-01 10:00:00,{},nope\n", "extra")
    assert rejects(result) == [(3, "attributes", "Extra: 'nope' is not a JSON object")]
    assert Interaction.objects.get(external_id="2").attributes == {"k": 1}


# ------------------------------------------------------------------ 3. profile checks


@pytest.mark.parametrize("changes, message", [
    ({"time_zone": "Not/AZone"}, 'time_zone "Not/AZone" is not a known time zone'),
    ({"time_zone": 8}, "time_zone 8 is not a known time zone"),
    ({"delimiter": "||"}, 'delimiter must be a single character other than a quote or a line break, not "||".'),
    ({"delimiter": ""}, 'delimiter must be a single character'),
    ({"delimiter": '"'}, 'delimiter must be a single character'),
    ({"clock_skew_seconds": "abc"}, "clock_skew_seconds must be a whole number of seconds from 0 to 86400."),
    ({"clock_skew_seconds": -1}, "clock_skew_seconds must be a whole number"),
    ({"value_maps": ["x"]}, "value_maps must be a mapping by canonical field"),
    ({"value_maps": {"channel": ["voice"]}}, "value_maps.channel must map source values to canonical values"),
    ({"value_maps": {"channel": {"phone": {"a": 1}}}}, "value_maps.channel must map source values"),
    ({"value_maps": {"channel": {"phone": "fax"}}}, 'value_maps.channel: "fax" is not one of voice, chat'),
    ({"value_maps": {"abandoned": {"gone": "maybe"}}}, 'value_maps.abandoned: "maybe" is not one of true'),
    ({"value_maps": {"colour": {"a": "b"}}}, "Not canonical field(s): colour."),
    ({"value_maps": {"attributes": {"a": "b"}}}, "value_maps.attributes cannot be set"),
    ({"columns": ["external_id"]}, "columns must be a mapping by canonical field"),
    ({"columns": {"external_id": "id", "arrived_at": ["at"]}}, "columns.arrived_at must name a source column."),
    ({"date_time_columns": ["arrived_at"]}, "date_time_columns must be a mapping by canonical field"),
    ({"date_time_columns": {"arrived_at": "x"}}, "date_time_columns.arrived_at must be a time field"),
    ({"date_time_columns": {"arrived_at": {"date": "D", "time": 3}}}, "date_time_columns.arrived_at must be"),
    ({"required": "external_id"}, "required must be a list of source column names."),
    ({"attributes": "channel"}, "attributes must be a list of source column names."),
    ({"attributes": [None]}, "attributes must be a list of source column names."),
    ({"defaults": {"channel": "fax"}}, 'defaults.channel: "fax" is not one of voice, chat'),
    ({"defaults": {"channel": None}}, "defaults.channel must be a value"),
    ({"defaults": ["voice"]}, "defaults must be a mapping by canonical field"),
    ({"datetime_formats": ["%Y-%m-%d %Q"]}, 'datetime_formats: "%Y-%m-%d %Q" is not a format'),
    ({"datetime_formats": [5]}, "datetime_formats: 5 is not a format"),
    ({"datetime_formats": "iso"}, "datetime_formats needs a list of at least one format."),
    ({"offsets": {"first_response_at": {"base": "arrived_at", "column": "x", "unit": "days"}}},
     "offsets.first_response_at needs base (another time field), column (a source column) and unit"),
    ({"offsets": {"first_response_at": "x"}}, "offsets.first_response_at needs base"),
    ({"offsets": [1]}, "offsets must be a mapping by canonical field"),
    ({"abandoned_when_unanswered": "yes"}, "abandoned_when_unanswered must be true or false."),
    ({"unknown_queue": "maybe"}, "unknown_queue must be create or reject."),
    ({"unknown_agent": ["create"]}, "unknown_agent must be create or reject."),
    ({"transform": ["bank-calls"]}, "Unknown transform"),
    ({"source": ["a"]}, "source must be text."),
    ({"description": {"a": 1}}, "description must be text."),
])
def test_saving_a_wrong_profile_names_the_setting(setup, changes, message):
    with pytest.raises(ValidationError) as caught:
        save_yaml(**changes)
    assert message in " ".join(caught.value.message_dict["definition"])
    assert not MappingProfile.objects.filter(name="mine").exists()


def test_every_problem_of_a_profile_is_named_at_once(setup):
    with pytest.raises(ValidationError) as caught:
        save_yaml(delimiter="||", time_zone="Not/AZone", clock_skew_seconds="abc")
    text = " ".join(caught.value.message_dict["definition"])
    assert "delimiter" in text and "time_zone" in text and "clock_skew_seconds" in text


def test_a_stored_wrong_profile_fails_the_import_with_its_reason(setup, tmp_path):
    # saved before these checks existed: the import says why instead of crashing
    MappingProfile.objects.create(name="old", definition={**BUILTIN_PROFILES["generic"], "name": "old",
                                                          "time_zone": "Not/AZone", "delimiter": "||"})
    with pytest.raises(ValidationError, match="time_zone"):
        imp(setup, tmp_path, GENERIC + "a,chat,2024-01-01 10:00:00,,\n", "old")
    assert Interaction.objects.count() == 0


def test_a_right_profile_still_saves_and_imports(setup, tmp_path):
    save_yaml(time_zone="Asia/Shanghai", delimiter=";", clock_skew_seconds=2, required=["external_id"],
              datetime_formats=["%d/%m/%Y %H:%M", "iso"], defaults={"channel": "chat", "csat": 5})
    result = imp(setup, tmp_path, "external_id;arrived_at\na;02/01/2024 08:00\n", "mine")
    assert (result.inserted, rejects(result)) == (1, [])
    row = Interaction.objects.get()
    assert (row.arrived_at, row.channel, row.csat) == (dt.datetime(2024, 1, 2, 0, 0, tzinfo=UTC), "chat", 5)


# ------------------------------------------------------------------ 4. value-map outputs


def test_value_map_outputs_and_defaults_are_read_like_the_file(setup, tmp_path):
    base = BUILTIN_PROFILES["acd-calls"]
    services.profile_save(definition={
        **base, "name": "vm", "defaults": {"channel": " Voice "},
        "value_maps": {**base["value_maps"], "outcome": {" Handled ": "Resolved", "Queued": " PENDING "},
                       "abandoned": {"是": "True", "否": False}}})
    result = imp(setup, tmp_path, ACD + "1,Q,2024-01-01 10:00:00,2024-01-01 10:00:10,handled ,否\n"
                                        "2,Q,2024-01-01 10:00:00,,Abandoned,是\n"
                                        "3,Q,2024-01-01 10:00:00,2024-01-01 10:00:10,queued,否\n", "vm")
    assert rejects(result) == []
    assert list(Interaction.objects.order_by("external_id").values_list(
        "external_id", "channel", "outcome", "abandoned")) == [
        ("1", "voice", "resolved", False), ("2", "voice", "abandoned", True), ("3", "voice", "pending", False)]


# ------------------------------------------------------------------ 5. negative durations


def test_small_negative_durations_are_rejected_not_rounded_to_zero(setup, tmp_path):
    result = imp(setup, tmp_path, GENERIC + "neg,chat,2024-01-01 10:00:00,-0.4,\n"
                                            "pos,chat,2024-01-01 10:00:00,0.4,\n")
    assert rejects(result) == [(2, "talk_seconds", "talk_seconds is negative (-0.4)")]
    assert Interaction.objects.get(external_id="pos").talk_seconds == 0


def test_durations_of_more_than_a_year_are_rejected_given_or_derived(setup, tmp_path):
    """The columns hold whole seconds in 32 bits: 3,000,000,000 would fail the whole import on
    PostgreSQL, and a first response 300 years after arrival derives such a wait."""
    text = ("external_id,channel,arrived_at,first_response_at,talk_seconds\n"
            "big,voice,2024-01-01 10:00:00,,3000000000\n"
            "far,email,1901-01-02 10:00:00,2198-01-01 10:00:00,\n"
            "year,voice,2024-01-01 10:00:00,,31622400\n")
    result = imp(setup, tmp_path, text)
    assert rejects(result) == [
        (2, "talk_seconds", "talk_seconds: 3000000000 is more than a year (31622400 seconds): not a duration"),
        (3, "wait_seconds", "wait is more than a year (the first response, or the end of an abandoned contact, "
                            "more than 366 days after arrival)")]
    assert result.committed and Interaction.objects.get(external_id="year").talk_seconds == 31_622_400


def test_a_stored_profile_that_a_stricter_check_refuses_can_still_be_opened_and_mended(db):
    definition = {**services.profile_get("generic").to_dict(), "name": "old", "delimiter": "||"}
    MappingProfile.objects.create(name="old", definition=definition)
    with pytest.raises(ValidationError):
        services.profile_get("old")
    text = services.profile_export_yaml("old")
    assert "delimiter: '||'" in text
    services.profile_import_yaml(text=text.replace("delimiter: '||'", "delimiter: ';'"))
    assert services.profile_get("old").delimiter == ";"


def test_yaml_values_a_profile_cannot_hold_are_form_errors(db):
    infinite = services.profile_export_yaml("generic", rename_to="mine").replace(
        "defaults: {}", "defaults: {talk_seconds: .inf}")
    with pytest.raises(ValidationError, match="finite number"):
        services.profile_import_yaml(text=infinite)
    with pytest.raises(ValidationError, match="nested too deeply"):
        services.profile_import_yaml(text="name: deep\ncolumns: " + "[" * 5000 + "]" * 5000 + "\n")


def test_yaml_dates_and_yes_no_words_stay_text(db):
    """YAML 1.1 would read `yes:` as true and 2024-01-01 as a date: a value map's key Yes is the
    file's text, a default date the text a file would hold."""
    text = services.profile_export_yaml("generic", rename_to="mine").replace(
        "value_maps: {}", "value_maps: {abandoned: {Yes: 'true', No: 'false'}}").replace(
        "defaults: {}", "defaults: {contact_reason: 2024-01-01}")
    services.profile_import_yaml(text=text)
    profile = services.profile_get("mine")
    assert profile.value_maps == {"abandoned": {"Yes": "true", "No": "false"}}
    assert profile.defaults == {"contact_reason": "2024-01-01"}
    assert "'Yes'" in services.profile_export_yaml("mine")  # and exported so any YAML reads it back


def test_a_builtin_profile_exports_every_setting_also_once_stored(db):
    services.ensure_builtin_profiles()  # stores the built-ins' own (partial) definitions
    exported = yaml.safe_load(services.profile_export_yaml("generic", rename_to="copy"))
    assert {"delimiter", "time_zone", "value_maps", "defaults", "clock_skew_seconds"} <= set(exported)


def test_yaml_numbers_are_yaml_1_2s(db):
    """010 and 12:30 are text (YAML 1.1: 8 and 750), as a file's value they are meant to match."""
    text = services.profile_export_yaml("generic", rename_to="mine").replace(
        "value_maps: {}", "value_maps: {queue: {010: sales, 12:30: lunch}}")
    services.profile_import_yaml(text=text)
    assert services.profile_get("mine").value_maps == {"queue": {"010": "sales", "12:30": "lunch"}}


def test_a_structure_in_a_text_setting_is_named_by_its_type_not_expanded(db):
    """An alias bomb (10**8 strings once expanded) is refused at once, not written out in full."""
    levels = ["l0: &l0 [" + ", ".join(["x"] * 10) + "]"] + [
        f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 8)]
    text = "name: bomb\ndelimiter: {" + ", ".join(levels) + "}\n"
    with pytest.raises(ValidationError, match="delimiter must be a single character.*not dict"):
        services.profile_import_yaml(text=text)


def test_a_source_too_long_for_the_contacts_source_column_is_refused(english):
    from steward.interactions.profiles import SOURCE_MAX, Profile, ProfileError

    definition = {**BUILTIN_PROFILES["generic"], "name": "long-source", "source": "s" * (SOURCE_MAX + 1)}
    with pytest.raises(ProfileError, match=f"source must be at most {SOURCE_MAX} characters"):
        Profile.from_dict(definition)
    Profile.from_dict({**definition, "source": "s" * SOURCE_MAX})


def test_clock_durations_have_minutes_and_seconds_under_sixty(setup, tmp_path):
    text = ("external_id,channel,arrived_at,talk_seconds\n"
            "ok,voice,2024-01-01 10:00:00,1:02:03\n"
            "mm,voice,2024-01-01 10:00:00,75:30\n"
            "bad-m,voice,2024-01-01 10:00:00,1:75:00\n"
            "bad-s,voice,2024-01-01 10:00:00,0:00:60\n")
    result = imp(setup, tmp_path, text)
    assert rejects(result) == [(4, "talk_seconds", "talk_seconds: '1:75:00' is not a number of seconds"),
                               (5, "talk_seconds", "talk_seconds: '0:00:60' is not a number of seconds")]
    assert dict(Interaction.objects.values_list("external_id", "talk_seconds")) == {"ok": 3723, "mm": 4530}
