"""The demo province: units, staff for every role, citizens. Synthetic people only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction

from motcua.catalog import vocab
from motcua.identity.models import CitizenProfile, User
from motcua.identity.provider.credentials import DEMO_PASSWORD
from motcua.units.models import Membership, Role, Team, Unit, UnitKind

# (code, name, name_en, kind, agency, parent code)
UNITS = [
    ("000.00.00.G12", "Bộ Tư pháp (demo)", "Ministry of Justice (demo)", UnitKind.MINISTRY, "justice", None),
    ("000.01.00.G12", "Cục Hộ tịch, quốc tịch, chứng thực (demo)", "Department of Civil Status, Nationality and Certification (demo)", UnitKind.DEPARTMENT, "justice", "000.00.00.G12"),
    ("000.00.00.H99", "UBND tỉnh Demo", "Demo Province People's Committee", UnitKind.PROVINCE, "people_committee", None),
    ("000.00.01.H99", "Trung tâm Phục vụ hành chính công tỉnh Demo", "Demo Province Public Administration Service Centre", UnitKind.ONE_STOP, "", "000.00.00.H99"),
    ("000.00.17.H99", "Sở Tư pháp tỉnh Demo", "Demo Department of Justice", UnitKind.DEPARTMENT, "justice", "000.00.00.H99"),
    ("000.00.30.H99", "Công an tỉnh Demo", "Demo Provincial Police", UnitKind.DEPARTMENT, "police", "000.00.00.H99"),
    ("000.00.21.H99", "Sở Xây dựng tỉnh Demo", "Demo Department of Construction", UnitKind.DEPARTMENT, "construction", "000.00.00.H99"),
    ("000.00.40.H99", "Bảo hiểm xã hội tỉnh Demo", "Demo Provincial Social Insurance", UnitKind.DEPARTMENT, "social_insurance", "000.00.00.H99"),
    ("000.11.00.H99", "UBND xã An Bình", "An Binh Commune People's Committee", UnitKind.COMMUNE, "people_committee", "000.00.00.H99"),
    ("000.11.30.H99", "Công an xã An Bình", "An Binh Commune Police", UnitKind.DEPARTMENT, "police", "000.11.00.H99"),
    ("000.12.00.H99", "UBND phường Hòa Thuận", "Hoa Thuan Ward People's Committee", UnitKind.COMMUNE, "people_committee", "000.00.00.H99"),
    ("000.12.30.H99", "Công an phường Hòa Thuận", "Hoa Thuan Ward Police", UnitKind.DEPARTMENT, "police", "000.12.00.H99"),
    # Ministry level for passports: the Immigration Department of the Ministry of Public Security.
    ("000.00.00.G05", "Bộ Công an (demo)", "Ministry of Public Security (demo)", UnitKind.MINISTRY, "police", None),
    ("000.08.00.G05", "Cục Quản lý xuất nhập cảnh (demo)", "Immigration Department (demo)", UnitKind.DEPARTMENT, "police", "000.00.00.G05"),
    # Provincial departments for enterprise registration and unemployment benefit.
    ("000.00.10.H99", "Sở Tài chính tỉnh Demo", "Demo Department of Finance", UnitKind.DEPARTMENT, "finance", "000.00.00.H99"),
    ("000.00.15.H99", "Sở Nội vụ tỉnh Demo", "Demo Department of Home Affairs", UnitKind.DEPARTMENT, "home_affairs", "000.00.00.H99"),
    # Receives unemployment-benefit dossiers on behalf of the Department of Home Affairs.
    ("000.15.01.H99", "Trung tâm Dịch vụ việc làm tỉnh Demo", "Demo Employment Service Centre", UnitKind.ONE_STOP, "", "000.00.15.H99"),
    # Who does the work (issue 21): the land registration office a commune desk hands land dossiers to,
    # and the Health Department that certifies large kitchens (its inspection group: TEAMS).
    ("000.00.51.H99", "Văn phòng Đăng ký đất đai tỉnh Demo", "Demo Land Registration Office", UnitKind.DEPARTMENT, "land_registration", "000.00.00.H99"),
    ("000.00.14.H99", "Sở Y tế tỉnh Demo", "Demo Department of Health", UnitKind.DEPARTMENT, "health", "000.00.00.H99"),
    # The Department of Education and Training: the exam and admission registration of Project 06 (1.005142).
    ("000.00.12.H99", "Sở Giáo dục và Đào tạo tỉnh Demo", "Demo Department of Education and Training", UnitKind.DEPARTMENT, "education", "000.00.00.H99"),
]
# The units' names in Bengali (Unit.name_bn): a Bengali page names each unit one way, in Bengali.
NAMES_BN = {
    "000.00.00.G12": "বিচার মন্ত্রণালয় (ডেমো)",
    "000.01.00.G12": "নাগরিক অবস্থা, জাতীয়তা ও প্রত্যয়ন বিভাগ (ডেমো)",
    "000.00.00.H99": "ডেমো প্রদেশের গণকমিটি",
    "000.00.01.H99": "ডেমো প্রদেশের জনপ্রশাসন সেবা কেন্দ্র",
    "000.00.17.H99": "ডেমো প্রদেশের বিচার বিভাগ",
    "000.00.30.H99": "ডেমো প্রদেশের পুলিশ",
    "000.00.21.H99": "ডেমো প্রদেশের নির্মাণ বিভাগ",
    "000.00.40.H99": "ডেমো প্রদেশের সামাজিক বীমা",
    "000.11.00.H99": "আন বিন কমিউনের গণকমিটি",
    "000.11.30.H99": "আন বিন কমিউনের পুলিশ",
    "000.12.00.H99": "হোয়া থুয়ান ওয়ার্ডের গণকমিটি",
    "000.12.30.H99": "হোয়া থুয়ান ওয়ার্ডের পুলিশ",
    "000.00.00.G05": "জননিরাপত্তা মন্ত্রণালয় (ডেমো)",
    "000.08.00.G05": "অভিবাসন বিভাগ (ডেমো)",
    "000.00.10.H99": "ডেমো প্রদেশের অর্থ বিভাগ",
    "000.00.15.H99": "ডেমো প্রদেশের স্বরাষ্ট্র বিভাগ",
    "000.15.01.H99": "ডেমো প্রদেশের কর্মসংস্থান সেবা কেন্দ্র",
    "000.00.51.H99": "ডেমো প্রদেশের ভূমি নিবন্ধন অফিস",
    "000.00.14.H99": "ডেমো প্রদেশের স্বাস্থ্য বিভাগ",
    "000.00.12.H99": "ডেমো প্রদেশের শিক্ষা ও প্রশিক্ষণ বিভাগ",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str  # "citizen" or a Role value
    unit: str | None  # unit code (membership unit, or a citizen's home commune)
    personal_id: str | None = None


USERS = [
    DemoUser("citizen", "Nguyễn Văn An", "citizen", "000.11.00.H99", "001090012345"),
    DemoUser("citizen2", "Trần Thị Bình", "citizen", "000.12.00.H99", "079195054321"),
    DemoUser("citizen3", "Lê Minh Châu", "citizen", "000.11.00.H99", "031201067890"),
    DemoUser("onestop_prov", "Phạm Thu Hà", Role.ONE_STOP_OFFICER, "000.00.01.H99"),
    DemoUser("specialist_police", "Đỗ Quang Huy", Role.SPECIALIST, "000.00.30.H99"),
    DemoUser("approver_police", "Vũ Đức Long", Role.APPROVER, "000.00.30.H99"),
    DemoUser("specialist_justice", "Hoàng Lan Anh", Role.SPECIALIST, "000.00.17.H99"),
    DemoUser("approver_justice", "Bùi Văn Nam", Role.APPROVER, "000.00.17.H99"),
    # The commune's one-stop desk: files walk-in and postal dossiers at /office/intake/ (docs/counter.md).
    DemoUser("onestop_anbinh", "Ngô Thị Mai", Role.ONE_STOP_OFFICER, "000.11.00.H99"),
    DemoUser("specialist_anbinh", "Đặng Văn Tùng", Role.SPECIALIST, "000.11.00.H99"),
    DemoUser("approver_anbinh", "Trịnh Văn Sơn", Role.APPROVER, "000.11.00.H99"),
    DemoUser("onestop_hoathuan", "Lý Thị Hoa", Role.ONE_STOP_OFFICER, "000.12.00.H99"),
    DemoUser("specialist_hoathuan", "Mai Văn Phúc", Role.SPECIALIST, "000.12.00.H99"),
    DemoUser("approver_hoathuan", "Cao Thị Yến", Role.APPROVER, "000.12.00.H99"),
    DemoUser("specialist_police_anbinh", "Hồ Văn Đạt", Role.SPECIALIST, "000.11.30.H99"),
    DemoUser("approver_police_anbinh", "Dương Quốc Bảo", Role.APPROVER, "000.11.30.H99"),
    DemoUser("specialist_bhxh", "Phan Thị Ngọc", Role.SPECIALIST, "000.00.40.H99"),
    DemoUser("approver_bhxh", "Lưu Văn Hải", Role.APPROVER, "000.00.40.H99"),
    DemoUser("onestop_ministry", "Châu Thị Thu", Role.ONE_STOP_OFFICER, "000.00.00.G12"),
    DemoUser("specialist_ministry", "Thái Văn Khoa", Role.SPECIALIST, "000.01.00.G12"),
    DemoUser("approver_ministry", "Lâm Thị Diệu", Role.APPROVER, "000.01.00.G12"),
    DemoUser("admin_province", "Tạ Minh Quân", Role.UNIT_ADMIN, "000.00.00.H99"),
    DemoUser("monitor_province", "Kiều Thị Lan", Role.MONITOR, "000.00.00.H99"),
    # The province's catalogue (issue 24): one writes procedures, the other publishes them.
    DemoUser("catalog_editor", "Trương Thị Hạnh", Role.CATALOG_EDITOR, "000.00.00.H99"),
    DemoUser("catalog_approver", "Hứa Văn Khải", Role.CATALOG_APPROVER, "000.00.00.H99"),
    DemoUser("specialist_police_hoathuan", "Tôn Thất Minh", Role.SPECIALIST, "000.12.30.H99"),
    DemoUser("approver_police_hoathuan", "Quách Văn Toàn", Role.APPROVER, "000.12.30.H99"),
    DemoUser("onestop_bca", "Đinh Thị Nga", Role.ONE_STOP_OFFICER, "000.00.00.G05"),
    DemoUser("specialist_xnc", "La Văn Thành", Role.SPECIALIST, "000.08.00.G05"),
    DemoUser("approver_xnc", "Văn Thị Hằng", Role.APPROVER, "000.08.00.G05"),
    DemoUser("specialist_finance", "Mạc Thị Thảo", Role.SPECIALIST, "000.00.10.H99"),
    DemoUser("approver_finance", "Hà Văn Cường", Role.APPROVER, "000.00.10.H99"),
    DemoUser("onestop_employment", "Nghiêm Thị Vân", Role.ONE_STOP_OFFICER, "000.15.01.H99"),
    DemoUser("specialist_home_affairs", "Khổng Văn Lực", Role.SPECIALIST, "000.00.15.H99"),
    DemoUser("approver_home_affairs", "Tăng Thị Ánh", Role.APPROVER, "000.00.15.H99"),
    DemoUser("specialist_land", "Ninh Văn Hậu", Role.SPECIALIST, "000.00.51.H99"),
    DemoUser("approver_land", "Bạch Thị Liên", Role.APPROVER, "000.00.51.H99"),
    DemoUser("specialist_health", "Giang Thị Hường", Role.SPECIALIST, "000.00.14.H99"),
    DemoUser("inspector_health", "Lục Văn Khải", Role.SPECIALIST, "000.00.14.H99"),
    DemoUser("approver_health", "Âu Thị Nhàn", Role.APPROVER, "000.00.14.H99"),
    DemoUser("specialist_education", "Tiêu Thị Phương", Role.SPECIALIST, "000.00.12.H99"),
    DemoUser("approver_education", "Lã Văn Thịnh", Role.APPROVER, "000.00.12.H99"),
]
# Teams and councils (units.Team): (unit code, catalog team kind, name, members). A step naming the kind is
# done by the unit's team; any member may act (catalog/who.py). The Health Department's group seats the ward's
# officer too (a council gathers people of several units): he reads and works its steps, and nothing more of
# the department's (dossiers/access.team_steps; tests/dossiers/test_who_scope.py, the authorization matrix).
TEAMS = [
    ("000.00.14.H99", "food_safety_inspection", "Đoàn thẩm định an toàn thực phẩm Sở Y tế",
     ["inspector_health", "specialist_health", "specialist_hoathuan"]),
    ("000.11.00.H99", "food_safety_inspection", "Tổ thẩm định an toàn thực phẩm xã An Bình", ["specialist_anbinh"]),
    ("000.12.00.H99", "food_safety_inspection", "Tổ thẩm định an toàn thực phẩm phường Hòa Thuận", ["specialist_hoathuan"]),
]


def pack_demo(path: Path) -> tuple[list[tuple], dict[str, str], list[DemoUser]]:
    """The units, Bengali names and users of a country pack's demo.yaml (countries/bd/demo.yaml)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    units = [(u["code"], u["name"], u.get("name_en", ""), u["kind"], u.get("agency", ""), u.get("parent")) for u in data["units"]]
    names_bn = {u["code"]: u["name_bn"] for u in data["units"] if u.get("name_bn")}
    users = [DemoUser(u["username"], u["full_name"], u["role"], u.get("unit"), u.get("personal_id")) for u in data["users"]]
    return units, names_bn, users


@transaction.atomic
def load_units_and_users(pack: Path | None = None) -> None:
    """Create or update the demo units and users (Viet Nam's, or those of a pack's demo.yaml); safe to run again."""
    unit_rows, names_bn, users = pack_demo(pack) if pack is not None else (UNITS, NAMES_BN, USERS)
    known_kinds = vocab.current().unit_kinds
    units: dict[str, Unit] = {}
    for code, name, name_en, kind, agency, parent in unit_rows:
        if kind not in known_kinds:
            raise ValueError(f"demo unit {code}: unit kind {kind!r} is not in the catalog ({vocab.known(known_kinds)})")
        unit, _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "name_bn": names_bn.get(code, ""), "kind": kind, "agency": agency,
                "parent": units.get(parent),
            },
        )
        unit.save()  # refresh the materialized path
        units[code] = unit
    # One hash for the one published demo password: hashing it per user cost ~0.5 s each (PBKDF2)
    # on every `make demo` and fresh test database, and a shared salt hides nothing that is public.
    password = make_password(DEMO_PASSWORD)
    for spec in users:
        user, created = User.objects.get_or_create(username=spec.username, defaults={"full_name": spec.full_name})
        if not created and user.full_name != spec.full_name:
            User.objects.filter(pk=user.pk).update(full_name=spec.full_name)
        if created:
            user.password = password
            user.save()
        if spec.role == "citizen":
            CitizenProfile.objects.update_or_create(
                user=user,
                defaults={"personal_id": spec.personal_id, "full_name": spec.full_name, "home_unit": units[spec.unit]},
            )
        else:
            Membership.objects.get_or_create(user=user, unit=units[spec.unit], role=spec.role)
    if pack is None:
        for code, key, name, members in TEAMS:
            team, _ = Team.objects.update_or_create(unit=units[code], key=key, defaults={"name": name})
            team.members.set(User.objects.filter(username__in=members))
