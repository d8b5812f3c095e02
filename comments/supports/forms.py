from django import forms
from django.utils.translation import gettext_lazy as _


class SupportForm(forms.Form):
    """The support button's form: support, or withdraw (``withdraw``), then go back
    to ``next``.  The code of conduct's box shows only where it is still to accept."""

    withdraw = forms.BooleanField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    accept_code_of_conduct = forms.BooleanField(
        label=_("I have read and accept the code of conduct"), required=False
    )

    def __init__(self, *args, charter_needed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not charter_needed:
            self.fields["accept_code_of_conduct"].widget = forms.HiddenInput()
