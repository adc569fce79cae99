from dataclasses import dataclass

from assessment.services.identity_cache import IdentityCache


@dataclass(frozen=True)
class Thing:
    name: str


def test_a_value_is_computed_once_per_object_and_extra():
    cache: IdentityCache[str] = IdentityCache(limit=10)
    calls = []
    thing = Thing("a")

    def compute(tag):
        calls.append(tag)
        return tag

    assert cache.get((thing,), 1, lambda: compute("one")) == "one"
    assert cache.get((thing,), 1, lambda: compute("again")) == "one"
    assert cache.get((thing,), 2, lambda: compute("two")) == "two"
    assert calls == ["one", "two"]


def test_an_equal_but_different_object_never_gets_anothers_value():
    cache: IdentityCache[str] = IdentityCache(limit=10)
    first, twin = Thing("a"), Thing("a")
    assert cache.get((first,), None, lambda: "first") == "first"
    assert cache.get((twin,), None, lambda: "twin") == "twin"


def test_a_recycled_id_is_recognised_by_the_object_kept_with_the_value():
    cache: IdentityCache[str] = IdentityCache(limit=10)
    first, other = Thing("a"), Thing("b")
    cache.get((first,), None, lambda: "first")
    # Pretend ``other`` reused the id of ``first``: same key, different object.
    key = ((id(other),), None)
    cache._entries[key] = ((first,), "first")
    assert cache.get((other,), None, lambda: "other") == "other"


def test_the_cache_is_bounded():
    cache: IdentityCache[int] = IdentityCache(limit=3)
    things = [Thing(str(k)) for k in range(10)]
    for k, thing in enumerate(things):
        cache.get((thing,), None, lambda k=k: k)
    assert len(cache._entries) <= 3
