"""The status-transition table (core/transitions.py): what may move, who may move it, and the log.

The ledger import's own table serves as the example; a table with a note-required move is
put on it for the tests that need one.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F, Q

from core.models import Transition
from core.transitions import Move, TransitionRefused, TransitionTable, history, transition
from grid.models import Role
from residents.models import ImportStatus, LedgerImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tree):
    def make(status=ImportStatus.PREVIEWED, **values):
        return LedgerImport.objects.create(
            community=tree.community, file_name="台账.csv", sha256="0" * 64, status=status, **values
        )

    return make


def state(obj):
    return LedgerImport.objects.values_list("status", "skip_errors", "attempts").get(pk=obj.pk)


def test_an_allowed_move_changes_the_status_and_is_recorded_with_who_and_when(imported, admin_user):
    ledger_import = imported()

    transition(
        ledger_import, ImportStatus.COMMITTING, by=admin_user, note="确认", values={"skip_errors": True}
    )

    assert state(ledger_import) == (ImportStatus.COMMITTING, True, 0)
    assert (ledger_import.status, ledger_import.skip_errors) == (ImportStatus.COMMITTING, True)
    [move] = history(ledger_import)
    assert (move.from_state, move.to_state, move.by, move.note) == (
        ImportStatus.PREVIEWED,
        ImportStatus.COMMITTING,
        admin_user,
        "确认",
    )
    assert move.at is not None and move.content_type.model_class() is LedgerImport


def test_a_move_not_in_the_table_is_refused_in_chinese_and_changes_nothing(imported, admin_user):
    ledger_import = imported()

    with pytest.raises(ValidationError) as refused:
        transition(ledger_import, ImportStatus.DONE, by=admin_user)

    assert refused.value.code == "not_allowed"
    assert refused.value.message == "台账导入记录当前为“待确认”，不能改为“已导入”。"
    assert state(ledger_import) == (ImportStatus.PREVIEWED, False, 0)
    assert ledger_import.status == ImportStatus.PREVIEWED
    assert not Transition.objects.exists()


def test_a_person_without_the_moves_permission_may_not_make_it(imported, persona):
    ledger_import = imported()

    with pytest.raises(TransitionRefused) as refused:
        transition(ledger_import, ImportStatus.COMMITTING, by=persona(Role.STAFF))

    assert refused.value.code == "permission"
    assert "无权" in refused.value.message
    assert state(ledger_import)[0] == ImportStatus.PREVIEWED
    assert not Transition.objects.exists()


def test_a_system_move_is_refused_to_a_person_even_an_admin(imported, admin_user):
    ledger_import = imported(ImportStatus.COMMITTING)

    with pytest.raises(TransitionRefused) as refused:
        transition(ledger_import, ImportStatus.DONE, by=admin_user)

    assert refused.value.code == "system_only"
    assert refused.value.message == "“已导入”只能由系统自动设置。"
    assert state(ledger_import)[0] == ImportStatus.COMMITTING


def test_the_system_makes_its_own_moves_and_is_recorded_as_nobody(imported):
    ledger_import = imported(ImportStatus.COMMITTING)

    transition(ledger_import, ImportStatus.DONE)

    assert state(ledger_import)[0] == ImportStatus.DONE
    assert history(ledger_import).get().by is None


def test_a_move_that_needs_a_note_is_refused_without_one(imported, admin_user, monkeypatch):
    table = TransitionTable(
        ImportStatus,
        [Move(ImportStatus.FAILED, ImportStatus.PENDING, "residents.import_ledger", note_required=True)],
    )
    monkeypatch.setattr(LedgerImport, "transitions", table)
    ledger_import = imported(ImportStatus.FAILED)

    with pytest.raises(TransitionRefused) as refused:
        transition(ledger_import, ImportStatus.PENDING, by=admin_user, note="  ")
    assert refused.value.code == "note_required"
    assert refused.value.message == "改为“排队中”需要填写说明。"
    assert state(ledger_import)[0] == ImportStatus.FAILED

    transition(ledger_import, ImportStatus.PENDING, by=admin_user, note="文件已更正")
    assert state(ledger_import)[0] == ImportStatus.PENDING
    assert history(ledger_import).get().note == "文件已更正"


def test_of_two_moves_from_the_same_status_only_the_first_succeeds(imported, admin_user):
    ledger_import = imported()
    first, second = (
        LedgerImport.objects.get(pk=ledger_import.pk),
        LedgerImport.objects.get(pk=ledger_import.pk),
    )

    transition(first, ImportStatus.COMMITTING, by=admin_user)
    with pytest.raises(TransitionRefused) as refused:
        transition(second, ImportStatus.COMMITTING, by=admin_user, values={"skip_errors": True})

    assert (refused.value.code, refused.value.current) == ("stale", ImportStatus.COMMITTING)
    assert refused.value.message == "台账导入记录已是“导入中”，不能再改为“导入中”。"
    assert state(ledger_import) == (ImportStatus.COMMITTING, False, 0)  # the loser set nothing
    assert history(ledger_import).count() == 1


def test_a_move_whose_extra_condition_fails_changes_nothing(imported):
    ledger_import = imported(ImportStatus.COMMITTING, lease="task-a")
    ledger_import.lease = "task-b"  # as a run that lost its claim believes

    with pytest.raises(TransitionRefused) as refused:
        transition(ledger_import, ImportStatus.DONE, where=Q(lease="task-b"))

    assert refused.value.code == "stale"
    assert state(ledger_import)[0] == ImportStatus.COMMITTING
    assert not Transition.objects.exists()


def test_expressions_are_set_in_the_same_update_and_read_back(imported):
    ledger_import = imported(ImportStatus.PENDING, attempts=2)

    transition(ledger_import, ImportStatus.VALIDATING, values={"attempts": F("attempts") + 1})

    assert ledger_import.attempts == 3 and state(ledger_import)[2] == 3


def test_a_table_naming_an_unknown_state_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown state"):
        TransitionTable(ImportStatus, [Move(ImportStatus.PENDING, "archived")])


def test_the_table_answers_who_may_move_where(admin_user, persona):
    table = LedgerImport.transitions
    assert table.may(admin_user, ImportStatus.PREVIEWED, ImportStatus.COMMITTING)
    assert not table.may(persona(Role.STAFF), ImportStatus.PREVIEWED, ImportStatus.COMMITTING)
    assert not table.may(admin_user, ImportStatus.COMMITTING, ImportStatus.DONE)
    assert table.may(None, ImportStatus.COMMITTING, ImportStatus.DONE)
    assert set(table.targets(ImportStatus.FAILED)) == {ImportStatus.PENDING}
