from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bureau.text import CleanInputMixin
from reports.annual.services import INSERTABLE_KINDS
from reports.models import ExportJob, ReportParagraph


def _year_choices():
    this_year = timezone.localdate().year
    return [(year, f"{year}年") for year in range(this_year + 1, this_year - 5, -1)]


class ReportCreateForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=_year_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class ParagraphForm(CleanInputMixin, forms.Form):
    base = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("段落内容"),
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control report-textarea"}),
        max_length=5000,
    )

    def clean_text(self):
        # A paragraph is one paragraph: a line break typed inside it (to split 二是 from 三是)
        # used to be dropped on saving, silently. It is refused, saying how to split instead.
        text = self.cleaned_data["text"]
        if len([line for line in text.splitlines() if line.strip()]) > 1:
            raise forms.ValidationError(
                _(
                    "段落内不能换行：换行不会另起一段。请删去换行后保存；"
                    "如需分段，保存本段后点击段落旁的“插入段落”添加新的一段。"
                ),
                code="line_break",
            )
        return text


class ParagraphInsertForm(ParagraphForm):
    after = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("段落类型"),
        choices=[
            (kind.value, kind.label) for kind in ReportParagraph.Kind if kind in INSERTABLE_KINDS
        ],
        initial=ReportParagraph.Kind.BODY,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=ExportJob.Format.choices)
    # Left out on the editor page: the latest version at the time of the click, which in-place
    # edits may have moved past the number the page was rendered with.
    version = forms.IntegerField(min_value=1, required=False)
    # Set when staff have seen the version's 【待补充】 placeholders and export it all the same.
    confirm = forms.BooleanField(required=False)


class ApprovalForm(CleanInputMixin, forms.Form):
    """审定 asks the leader to confirm, and takes their opinion (审定意见)."""

    opinion = forms.CharField(
        label=_("审定意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可选，随审定记录保存，并通知提交人。"),
    )
    confirm = forms.BooleanField(
        label=_("我已阅读该版本，确认审定（审定后该版本只读，作为正式稿导出）"),
        error_messages={"required": _("请勾选确认后再审定。")},
    )


class ReturnForm(CleanInputMixin, forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明需要修改的内容，退回后通知提交人。"),
        error_messages={"required": _("请填写退回意见，说明需要修改的内容。")},
    )


class ReopenForm(CleanInputMixin, forms.Form):
    """An administrator reopens a closed year, saying why (kept in the closing history)."""

    reason = forms.CharField(
        label=_("重新开放原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("重新开放后，该年度数字按业务记录实时计算，直到下次审定重新封账。"),
        error_messages={"required": _("请填写重新开放的原因。")},
    )
