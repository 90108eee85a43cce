"""The pages of the app: (file in pages/, title key, icon); the first one is the home page.

The URL of a page is its file name (/danh_muc): the same path Streamlit's pages/
auto-discovery serves, so a bookmark opened first after a restart finds its page.

The file names stay Vietnamese (canh_bao, kich_ban_von, ...) although the code names each concept in
English (canh_bao.py is the "flags" page: lib/flags.py, ui/flags_view.py, keys "flags.*";
kich_ban_von.py is the "funding" page: lib/funding.py, keys "funding.*"): they are the URLs users
bookmarked, so renaming them would break every saved link.
"""
PAGES = [
    ("pages/tong_quan.py", "nav.overview", ":material/dashboard:"),
    ("pages/trinh_chieu.py", "nav.present", ":material/slideshow:"),
    ("pages/danh_muc.py", "nav.register", ":material/list_alt:"),
    ("pages/canh_bao.py", "nav.flags", ":material/warning:"),
    ("pages/tieu_chi.py", "nav.criteria", ":material/verified:"),
    ("pages/kich_ban_von.py", "nav.funding", ":material/savings:"),
    ("pages/nhiem_vu.py", "nav.tasks", ":material/assignment_ind:"),
    ("pages/cap_nhat.py", "nav.update", ":material/edit_note:"),
    ("pages/quan_tri.py", "nav.admin", ":material/admin_panel_settings:"),
]

# Pages offered only to a signed-in role (app.py leaves them out of the navigation otherwise;
# the page checks the role again).
ROLE_PAGES = {"pages/quan_tri.py": "admin"}
ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}  # as lib.auth.RANK


def in_menu(file: str, role: str | None) -> bool:
    """Is the page in the menu of this role (None: a viewer)? Every page stays registered, so
    that a link to a page for another role opens it (and it refuses) rather than Streamlit's
    English "page not found"."""
    return ROLE_RANK.get(role or "viewer", 0) >= ROLE_RANK[ROLE_PAGES.get(file, "viewer")]

# Shorter labels in the navigation bar, so that every page fits on one line at 1280 px;
# the page itself keeps its full title.
NAV_LABEL = {"nav.register": "nav.register_short", "nav.flags": "nav.flags_short",
             "nav.criteria": "nav.criteria_short", "nav.funding": "nav.funding_short",
             "nav.tasks": "nav.tasks_short", "nav.update": "nav.update_short"}


def title_key(file: str) -> str:
    return dict((f, k) for f, k, _ in PAGES)[file]

# Pages drawn without the frame's title row, filters and data stamp (the slides draw their own).
BARE = frozenset({"trinh_chieu"})
