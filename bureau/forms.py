from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from bureau.models import BureauProfile
from bureau.text import CleanInputMixin
from bureau.validators import validate_date_range


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("用户名"), widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)


class BureauProfileForm(CleanInputMixin, forms.ModelForm):
    """Names that head every page and the report: cleaned like every input, the date within
    the range every date keeps to."""

    class Meta:
        model = BureauProfile
        fields = [
            "city_name",
            "district_name",
            "bureau_name",
            "bureau_short_name",
            "issuing_unit",
            "signing_date",
        ]
        widgets = {"signing_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signing_date"].validators.append(validate_date_range)
