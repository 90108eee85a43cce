"""The meeting pack (.docx) as a download: drafted from the data when the button is pressed."""
from __future__ import annotations

from datetime import date

import streamlit as st

from lib import meeting_pack
from ui import frame
from ui.frame import Ctx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pack_button(ctx: Ctx, when: date, key: str = "pack_docx") -> None:
    """'Tải báo cáo (Word)': the report drafted for the towns shown, the period viewed and the
    evaluation date of the flags. Built only when clicked (deferred data), so a page stays fast."""
    towns, period_id, lang, programme = ctx.towns, ctx.period_id, ctx.lang, ctx.programme

    def build() -> bytes:
        return meeting_pack.build_pack(frame.get_db(), period_id=period_id, towns=towns, eval_date=when,
                                       lang=lang, drafted_on=date.today(), programme=programme)

    st.download_button(ctx.tr("pack.download"), data=build, key=key, mime=DOCX, icon=":material/description:",
                       file_name=f"bao-cao-ct07-{(period_id or 'ky')}.docx", help=ctx.tr("pack.download_help"),
                       on_click="ignore")
