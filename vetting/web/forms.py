"""Flask-WTF forms: CSRF on every form, field-level messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from vetting.models import Duty, Role
from vetting.security.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (accessible: one label per box, fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    submit = SubmitField("Continue")


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )
    submit = SubmitField("Verify")


class ActionForm(FlaskForm):
    """A button that changes state: it carries only the CSRF token."""

    submit = SubmitField("Confirm")


class UserCreateForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. The user enrols a second factor at first sign-in.",
    )
    roles = MultiCheckboxField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired(message="Choose at least one role.")]
    )
    submit = SubmitField("Create account")


class UserRolesForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired(message="Choose at least one role.")]
    )
    submit = SubmitField("Save changes")


class DesignationForm(FlaskForm):
    clearance_date = DateField("Background clearance date", validators=[DataRequired()])
    training_date = DateField("Training completed on", validators=[DataRequired()])
    acknowledgement_date = DateField("Confidentiality acknowledgement signed on", validators=[DataRequired()])
    review_date = DateField("Next review due by", validators=[DataRequired()])
    submit = SubmitField("Record designation")


class CycleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    position = StringField("Position", validators=[DataRequired(), Length(max=200)])
    blind_review = BooleanField("Blind review: the board sees candidates by code, not by name")
    submit = SubmitField("Create cycle")


class AssignmentForm(FlaskForm):
    user_id = SelectField("Person", coerce=int, validators=[DataRequired()])
    duty = SelectField(
        "Duty in this cycle",
        choices=[SelectChoice(d.value, d.label) for d in Duty],
        validators=[DataRequired()],
    )
    submit = SubmitField("Assign")


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired(), Regexp("^(open|closed)$")])
    submit = SubmitField("Change status")
