"""The dialog loader: the contract's schema and prose rules, reported by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.loader import LoadError, Problem, load_file, load_suite, load_text

GOOD = """\
id: good-one
title: A valid dialog
policy: [P4, P7]
tags: [customer]
world:
  now: "2026-11-26T10:00:00Z"
  customers:
    - {email: ana@example.com, name: Ana Lima, postcode: "10115"}
  orders:
    - id: "112-0000001"
      customer: ana@example.com
      placed_at: "2026-11-25T09:00:00Z"
      items:
        - {id: A1, title: Wireless headphones, price: "59.99", qty: 1, status: unshipped}
as: {customer: ana@example.com}
turns:
  - user: cancel the headphones
    expect:
      calls: [lookup_order]
      proposal: {items: [A1]}
  - click: confirm
  - event: {ship: A1}
final:
  items: {A1: cancelled}
  refunds: {"112-0000001": "59.99"}
"""


def problems(text: str, name: str = "d.yaml") -> list[Problem]:
    with pytest.raises(LoadError) as caught:
        load_text(text, name)
    return caught.value.problems


def only(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_a_valid_dialog_loads_into_typed_turns_and_final() -> None:
    d = load_text(GOOD, "good.yaml")
    assert (d.id, d.role, d.actor) == ("good-one", "customer", "ana@example.com")
    assert [t.kind for t in d.turns] == ["user", "click", "event"]
    assert d.turns[0].expect is not None and d.turns[0].expect.proposal == ("A1",)
    assert d.turns[2].event == ("ship", "A1")
    assert d.final is not None and str(d.final.refunds) == "{'112-0000001': Decimal('59.99')}"


def test_an_unknown_key_names_the_file_the_key_and_its_line() -> None:
    p = only(GOOD.replace("      proposal: {items: [A1]}", "      proposals: {items: [A1]}"))
    assert (p.file, p.line) == ("d.yaml", 20)
    assert "unknown key 'proposals'" in p.message and "did you mean 'proposal'" in p.message
    assert str(p).startswith("d.yaml:20: ")


def test_an_unknown_key_at_the_top_level_or_in_final_is_an_error_too() -> None:
    p = only(GOOD + "extra: 1\n")
    assert p.line == 26 and "unknown key 'extra'" in p.message
    p = only(GOOD.replace("  items: {A1: cancelled}", "  item: {A1: cancelled}"))
    assert p.line == 24 and "unknown key 'item' in final" in p.message


def test_money_written_as_a_number_is_rejected_with_its_line() -> None:
    p = only(GOOD.replace('price: "59.99"', "price: 59.99"))
    assert p.line == 14 and "money must be a quoted decimal string" in p.message


def test_money_with_three_decimals_or_in_refunds_as_a_number_is_rejected() -> None:
    assert "quoted decimal" in only(GOOD.replace('"59.99", qty', '"59.999", qty')).message
    p = only(GOOD.replace('{"112-0000001": "59.99"}', '{"112-0000001": 59.99}'))
    assert p.line == 25 and "final.refunds" in p.message


def test_an_invalid_status_is_rejected_with_the_allowed_ones() -> None:
    p = only(GOOD.replace("status: unshipped", "status: shiped"))
    assert p.line == 14 and "invalid status \"shiped\"" in p.message and "unshipped" in p.message
    p = only(GOOD.replace("{A1: cancelled}", "{A1: canceled}"))
    assert p.line == 24 and "invalid status" in p.message


def test_a_missing_required_key_is_named() -> None:
    p = only(GOOD.replace("as: {customer: ana@example.com}\n", ""))
    assert p.line == 1 and "missing required key 'as'" in p.message


def test_a_wrong_type_says_what_was_expected_and_suggests_quoting() -> None:
    p = only(GOOD.replace('postcode: "10115"', "postcode: 10115"))
    assert p.line == 8 and "must be a string" in p.message and "quote it" in p.message
    p = only(GOOD.replace("qty: 1", 'qty: "1"'))
    assert "qty must be a whole number" in p.message


def test_a_turn_with_two_kinds_or_a_misspelled_kind_is_explained() -> None:
    p = only(GOOD.replace("  - click: confirm", "  - {click: confirm, user: hi}"))
    assert p.line == 21 and "exactly one of user:, click: or event:" in p.message
    p = only(GOOD.replace("  - click: confirm", "  - clik: confirm"))
    assert p.line == 21 and "unknown key 'clik'" in p.message and "'click'" in p.message


def test_a_bad_click_or_event_is_rejected() -> None:
    assert "confirm, keep" in only(GOOD.replace("click: confirm", "click: ok")).message
    p = only(GOOD.replace("{ship: A1}", "{ship: A1, deliver: A1}"))
    assert "exactly one of ship" in p.message
    p = only(GOOD.replace("{ship: A1}", "{ship: Z9}"))
    assert p.line == 22 and "no item 'Z9'" in p.message


def test_an_unknown_tool_name_cannot_silently_pass_a_not_calls() -> None:
    p = only(GOOD.replace("calls: [lookup_order]", "not_calls: [cancel_item]"))
    assert p.line == 19 and "unknown tool 'cancel_item'" in p.message


def test_references_to_items_and_orders_must_exist_in_the_world() -> None:
    assert "no item 'A9'" in only(GOOD.replace("{items: [A1]}", "{items: [A9]}")).message
    assert "no order" in only(GOOD.replace('{"112-0000001": "59.99"}',
                                           '{"112-0000002": "59.99"}')).message
    p = only(GOOD.replace("customer: ana@example.com\n      placed_at",
                          "customer: eve@example.com\n      placed_at"))
    assert p.line == 11 and "not one of world.customers" in p.message
    p = only(GOOD.replace("as: {customer: ana@example.com}", "as: {staff: sam@shop.example}"))
    assert "as.staff" in p.message


def test_bad_yaml_reports_the_line_of_the_syntax_error() -> None:
    p = only(GOOD.replace("  - click: confirm", "  - click: [confirm"))
    assert p.line >= 21 and p.message.startswith("invalid YAML")


def test_a_repeated_yaml_key_is_an_error_not_a_silent_overwrite() -> None:
    p = only(GOOD.replace("      calls: [lookup_order]\n",
                          "      calls: [lookup_order]\n      calls: [cancel_items]\n"))
    assert p.line == 20 and "duplicate key 'calls'" in p.message


def test_yes_and_unquoted_times_are_read_as_the_text_the_author_wrote() -> None:
    d = load_text(GOOD.replace("user: cancel the headphones", "user: yes")
                  .replace('now: "2026-11-26T10:00:00Z"', "now: 2026-11-26T10:00:00Z"), "y.yaml")
    assert d.turns[0].text == "yes" and d.now.hour == 10


def test_a_time_that_is_not_a_date_time_is_rejected() -> None:
    p = only(GOOD.replace('"2026-11-25T09:00:00Z"', '"yesterday"'))
    assert p.line == 12 and "not an ISO date-time" in p.message


def test_an_empty_proposal_list_or_empty_says_string_is_rejected() -> None:
    assert "proposal: none" in only(GOOD.replace("{items: [A1]}", "{items: []}")).message
    assert "empty string" in only(GOOD.replace("calls: [lookup_order]", 'says: [""]')).message


def test_an_empty_file_or_a_list_is_not_a_dialog() -> None:
    assert "empty" in only("").message
    assert "mapping" in only("- a\n- b\n").message


def test_duplicate_ids_across_the_suite_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(GOOD)
    dialogs, found = load_suite([tmp_path])
    assert len(dialogs) == 2 and len(found) == 1
    assert found[0].file.endswith("b.yml") and "a.yaml:1" in found[0].message


def test_a_suite_collects_problems_from_every_file_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD.replace('price: "59.99"', "price: 59.99"))
    (tmp_path / "notes.txt").write_text("not a dialog")
    dialogs, found = load_suite([tmp_path, tmp_path / "missing.yaml"])
    assert dialogs == []
    assert {Path(p.file).name for p in found} == {"bad.yaml", "missing.yaml"}


def test_load_file_names_the_path_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(GOOD.replace("status: unshipped", "status: lost"))
    with pytest.raises(LoadError) as caught:
        load_file(path)
    assert caught.value.problems[0].file == str(path)



def test_the_suite_shipped_in_the_repo_loads_cleanly() -> None:
    dialogs, found = load_suite(["evals/dialogs"])
    assert found == [] and len(dialogs) >= 60
