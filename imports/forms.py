from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("表格文件"),
        help_text=_(
            "支持 .xlsx、.xls、.csv（UTF-8、GBK，或 Excel 的 Unicode 文本）。"
            "标题行、合计行、空行会自动跳过。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.xlsm,.ods,.csv"}),
    )
    skip_invalid = forms.BooleanField(
        label=_("跳过有错误的行，只导入正确的行"),
        required=False,
        help_text=_("不勾选时，只要有一行错误就不导入任何数据。"),
    )
    ignore_unknown = forms.BooleanField(
        label=_("忽略无法识别的列"),
        required=False,
        help_text=_("表格中有本系统不需要的列时勾选。"),
    )


class ImportConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(label=_("跳过有错误的行，只导入正确的行"), required=False)
