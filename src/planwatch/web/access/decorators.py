"""Each view declares what it needs; the decorator loads the record and asks the one table."""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from planwatch.web.access import permissions
from planwatch.web.access.permissions import Ability


class Need(enum.StrEnum):
    """What a page needs of the person asking for it."""

    READ = "read"  # read the record's establishment (drafts: edit it)
    READ_PRIVATE = "read private"  # evidence and notes' authors: members of the establishment
    EDIT = "edit"  # import, draft, amend; owners
    UPDATE = "update"  # post progress on this action
    JUDGE = "judge"  # judge this concern
    CLASSIFY = "classify"  # correct this concern's area and topics
    READ_ANY = "read any"  # read some establishment (lists and the estate)
    EDIT_ANY = "edit any"  # edit some establishment (import, new draft)
    JUDGE_ANY = "judge any"  # judge at some establishment (a review of progress to read)
    ACT_ANY = "act any"  # act for owners somewhere (their own actions)
    SIGNED_IN = "signed in"  # anyone signed in
    JOB = "job"  # this background job: the person who started it, or an administrator
    ADMINISTER = "administer"  # administrators of every establishment (estate-wide jobs)


def establishment_id_of(target: Any) -> int:
    """The establishment a record belongs to."""
    from planwatch.web.plans import models

    if isinstance(target, models.Establishment):
        return int(target.pk)
    return int(plan_of(target).inspection.establishment_id)


def plan_of(target: Any) -> Any:
    from planwatch.web.plans import models

    if isinstance(target, models.Plan):
        return target
    if isinstance(target, models.Concern | models.Action):
        return target.plan
    if isinstance(target, models.Evidence):
        return target.update.action.plan
    if isinstance(target, models.ProgressUpdate):
        return target.action.plan
    if isinstance(target, models.Judgement):
        return target.concern.plan
    return None


def allowed(user: Any, need: Need, target: Any = None) -> bool:
    """Whether a user may open a page that needs this, on this record."""
    from planwatch.web.plans import models

    if need is Need.SIGNED_IN:
        return bool(user.is_authenticated)
    if need is Need.READ_ANY:
        return permissions.anywhere(user, Ability.READ)
    if need is Need.EDIT_ANY:
        return permissions.anywhere(user, Ability.EDIT)
    if need is Need.JUDGE_ANY:
        return permissions.anywhere(user, Ability.JUDGE)
    if need is Need.ACT_ANY:
        return permissions.anywhere(user, Ability.UPDATE_OWN)
    if need in (Need.JOB, Need.ADMINISTER):
        from planwatch.web.plans import jobs

        return jobs.may_see(user, target) if need is Need.JOB else jobs.administers(user)
    where = establishment_id_of(target)
    plan = plan_of(target)
    draft = plan is not None and plan.is_draft
    if need is Need.UPDATE:
        # A correction is posted on the action of the update it corrects.
        action = target.action if isinstance(target, models.ProgressUpdate) else target
        return not draft and permissions.can_update(user, action)
    if need is Need.JUDGE:
        return not draft and permissions.may(user, Ability.JUDGE, where)
    if need is Need.CLASSIFY:
        return permissions.can_classify(user, target)
    if draft or need is Need.EDIT:
        # A draft is seen only by those who may edit it.
        return permissions.may(user, Ability.EDIT, where)
    ability = Ability.READ if need is Need.READ else Ability.READ_PRIVATE
    return permissions.may(user, ability, where)


View = Callable[..., HttpResponseBase]


def requires(need: Need, load: Callable[[Any], Any] | None = None) -> Callable[[View], View]:
    """Declare what a view needs. With `load`, the record is found from the URL argument
    named like the loader's parameter (404 if there is none) and passed to the view in its
    place; other URL arguments follow as they are."""
    key = next(iter(inspect.signature(load).parameters)) if load is not None else None

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            if load is None or key is None:
                permissions.require(allowed(request.user, need))
                return view(request, **kwargs)
            # Visitors who may read nothing learn nothing, not even which records exist.
            permissions.require(
                request.user.is_authenticated or permissions.anywhere(request.user, Ability.READ)
            )
            target = load(kwargs.pop(key))
            permissions.require(allowed(request.user, need, target))
            return view(request, target, **kwargs)

        wrapped.need = need  # type: ignore[attr-defined]
        return wrapped

    return decorate
