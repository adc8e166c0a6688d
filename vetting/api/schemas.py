"""Request bodies of the JSON API (pydantic): unknown fields are refused by name."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from vetting.models import Duty, Role
from vetting.models.base import MAX_ID

#: A row id: ids are 32-bit in both databases.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CycleCreate(Body):
    title: str = Field(min_length=1, max_length=200)
    position: str | None = Field(default=None, max_length=200, description="Defaults to the title.")
    blind_review: StrictBool = False


class CycleStatusChange(Body):
    status: Literal["open", "closed"]


class AssignmentCreate(Body):
    user_id: RowId
    role: Duty = Field(description="The duty in this cycle: investigator or board_member.")


class UserCreate(Body):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=256)
    roles: list[Role] = Field(min_length=1)


class UserUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1)
    is_active: StrictBool | None = None


class DesignationPut(Body):
    clearance_date: date
    training_date: date
    acknowledgement_date: date
    review_date: date
