"""The persistence kit (core/persist.py) against moto's DynamoDB: load-or-404, the optimistic version, a list page
under the list's cursor, create-unique, the typed retry."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.core import pagination, persist, storage
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.keys import Key
from chalicelib.core.table import TableItem


class NoteItem(TableItem, discriminator="persist_test_note"):
    title = UnicodeAttribute()
    body = UnicodeAttribute(null=True)
    stars = NumberAttribute(default=0)


class OtherItem(TableItem, discriminator="persist_test_other"):
    pass


def _key(n: int) -> Key:
    return Key("TENANT#t1#NOTES", f"NOTE#{n:03d}")


def _note(n: int, title: str = "t") -> NoteItem:
    key = _key(n)
    return NoteItem(key.pk, key.sk, title=title)


def _stored(n: int) -> NoteItem:
    return NoteItem.get(_key(n).pk, _key(n).sk, consistent_read=True)


def test_load_answers_the_item_or_the_capabilitys_404(aws: None) -> None:
    storage.commit([storage.Put(_note(1, "first"))])
    assert persist.load(NoteItem, _key(1), "no note 1").title == "first"
    with pytest.raises(NotFound) as missing:
        persist.load(NoteItem, _key(2), "no note 2")
    assert (missing.value.message, missing.value.code) == ("no note 2", "not_found")
    with pytest.raises(NotFound) as filtered:
        persist.load(NoteItem, _key(1), "no note 1 any more", where=lambda item: item.title != "first")
    assert filtered.value.message == "no note 1 any more"
    with pytest.raises(Conflict) as made:
        persist.load(NoteItem, _key(3), lambda: Conflict("gone", code="note_gone"))
    assert (made.value.message, made.value.code) == ("gone", "note_gone")
    assert persist.find(NoteItem, _key(2)) is None


def test_bump_writes_only_over_the_version_read(aws: None) -> None:
    storage.commit([storage.Put(_note(1))])
    first, second = _stored(1), _stored(1)
    first.title = "by first"
    storage.commit([persist.bump(first)])
    assert (first.version, _stored(1).version, _stored(1).title) == (1, 1, "by first")
    second.title = "by second"
    with pytest.raises(storage.ConditionFailed) as lost:
        storage.commit([persist.bump(second)])
    assert lost.value.failed == [0]
    assert _stored(1).title == "by first"
    # An extra condition joins the version's.
    again = _stored(1)
    with pytest.raises(storage.ConditionFailed):
        storage.commit([persist.bump(again, NoteItem.title == "something else")])
    assert _stored(1).version == 1


def test_changed_sets_and_removes_the_named_attributes_and_the_version(aws: None) -> None:
    start = _note(1, "old")
    start.body = "text"
    storage.commit([storage.Put(start)])
    item = _stored(1)
    op = persist.changed(item, {"title": "new", "body": None}, actions=[NoteItem.stars.add(3)])
    assert (item.title, item.body, item.version) == ("new", None, 1)  # the item in hand, changed alike
    storage.commit([op])
    stored = _stored(1)
    assert (stored.title, stored.body, stored.stars, stored.version) == ("new", None, 3, 1)
    stale = persist.changed(_note(1), {"title": "stale"})  # read at version 0
    with pytest.raises(storage.ConditionFailed):
        storage.commit([stale])
    assert _stored(1).title == "new"


def test_replacing_creates_then_replaces_only_what_was_read(aws: None) -> None:
    storage.commit([persist.replacing(_note(1, "v1"), None)])
    assert (_stored(1).title, _stored(1).version) == ("v1", 1)
    with pytest.raises(storage.ConditionFailed):  # someone created it meanwhile
        storage.commit([persist.replacing(_note(1, "lost"), None)])
    read = _stored(1)
    storage.commit([persist.replacing(_note(1, "v2"), read)])
    assert (_stored(1).title, _stored(1).version) == ("v2", 2)
    with pytest.raises(storage.ConditionFailed):  # written since `read`
        storage.commit([persist.replacing(_note(1, "v3"), read)])
    assert _stored(1).title == "v2"


def test_create_answers_the_conflict_for_a_taken_key(aws: None) -> None:
    persist.create(_note(1, "mine"), "note 1 exists")
    with pytest.raises(Conflict) as taken:
        persist.create(_note(1, "theirs"), lambda: Conflict("note 1 is taken", code="note_exists"))
    assert (taken.value.message, taken.value.code) == ("note 1 is taken", "note_exists")
    with pytest.raises(Conflict) as plain:
        persist.create(_note(1, "again"), "note 1 exists")
    assert (plain.value.message, plain.value.code) == ("note 1 exists", "conflict")
    assert _stored(1).title == "mine"
    # Another op's failed condition is not the key's conflict.
    with pytest.raises(storage.ConditionFailed) as other:
        persist.create(_note(2), "note 2 exists", extra=[storage.Put(_note(1), NoteItem.pk.does_not_exist())])
    assert other.value.failed == [1]
    assert persist.find(NoteItem, _key(2)) is None


def test_list_page_walks_the_query_under_the_lists_cursor(aws: None) -> None:
    storage.commit([storage.Put(_note(n, f"n{n}")) for n in range(1, 6)])
    storage.commit([storage.Put(OtherItem("TENANT#t1#NOTES", "OTHER#1"))])
    titles: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        found, cursor = persist.list_page(
            NoteItem,
            "TENANT#t1#NOTES",
            owner="t1",
            listing="notes",
            limit=2,
            cursor=cursor,
            range_condition=NoteItem.sk.startswith("NOTE#"),
            forward=False,
        )
        titles += [item.title for item in found]
        pages += 1
        if cursor is None:
            break
    assert titles == ["n5", "n4", "n3", "n2", "n1"]
    assert pages == 3
    # The cursor is the one the lists wrote before the kit: the position after the page under "k".
    first, after = persist.list_page(NoteItem, "TENANT#t1#NOTES", owner="t1", listing="notes", limit=2, cursor=None)
    assert [i.title for i in first] == ["n1", "n2"]
    assert after is not None
    assert pagination.decode("t1", "notes", after) == {"k": {"pk": "TENANT#t1#NOTES", "sk": "NOTE#002"}}
    # ... or the position itself, for a list that wrote it so.
    _, bare = persist.list_page(NoteItem, "TENANT#t1#NOTES", owner="t1", listing="n", limit=2, cursor=None, wrap=None)
    assert bare is not None and pagination.decode("t1", "n", bare) == {"pk": "TENANT#t1#NOTES", "sk": "NOTE#002"}
    rest, end = persist.list_page(
        NoteItem, "TENANT#t1#NOTES", owner="t1", listing="n", limit=10, cursor=bare, wrap=None,
        range_condition=NoteItem.sk.startswith("NOTE#"),
    )  # fmt: skip
    assert ([i.title for i in rest], end) == (["n3", "n4", "n5"], None)
    with pytest.raises(ValidationFailed):  # a cursor of another list
        persist.list_page(NoteItem, "TENANT#t1#NOTES", owner="t1", listing="other", limit=2, cursor=after)


def test_retrying_reruns_a_failed_condition_and_returns_its_answer(aws: None) -> None:
    storage.commit([storage.Put(_note(1))])
    tries: list[int] = []

    def attempt() -> int:
        item = _stored(1)
        if not tries:  # someone else writes between this attempt's read and its write
            storage.commit([persist.bump(_stored(1))])
        tries.append(1)
        item.stars = int(item.stars) + 1
        storage.commit([persist.bump(item)])
        return int(item.version)

    assert persist.retrying(attempt, what="starring") == 2
    assert (len(tries), _stored(1).stars, _stored(1).version) == (2, 1, 2)


def test_a_view_validates_from_the_items_attributes_of_the_same_name() -> None:
    from chalicelib.core.schemas import View

    class Note(View):
        id: str
        title: str
        body: str | None
        stars: int
        count: int = 7  # an item's method of that name is not a field's value
        tags: list[str] = []

    item = NoteItem("TENANT#t1#NOTES", "NOTE#001", title="hello", stars=2)
    note = Note.of(item, id="001")
    assert note.model_dump() == {"id": "001", "title": "hello", "body": None, "stars": 2, "count": 7, "tags": []}
    assert Note.of(item, id="001", title="given").title == "given"
    with pytest.raises(ValueError):  # still validated: no id
        Note.of(item)


def test_moved_makes_the_writers_that_read_before_it_retry(aws: None) -> None:
    storage.commit([storage.Put(_note(1))])
    reader = _stored(1)
    key = _key(1)
    storage.commit([storage.Update(NoteItem(key.pk, key.sk), [NoteItem.stars.set(5), persist.moved(NoteItem)])])
    assert (_stored(1).stars, _stored(1).version) == (5, 1)
    reader.title = "stale"
    with pytest.raises(storage.ConditionFailed):
        storage.commit([persist.bump(reader)])
    assert _stored(1).title == "t"
