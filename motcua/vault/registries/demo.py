"""Synthetic demo registries: the population, enterprise and social-insurance records of the demo people.

Every person and company here is invented. The keys match the demo citizens'
e-ID personal IDs (motcua/demo/data.py, motcua/demo/idp.py), so a demo citizen
who logs in finds their data already known. The same records are served over
HTTP at /demo-registry/<code>/<key> (demo_views.py), which is how the HTTP
adapter is tested against a live server.
"""

from __future__ import annotations

from collections.abc import Mapping

from motcua.vault.registries import Record, label_of, register

_ADDRESS_ANBINH = "Số 12 đường Lê Lợi, thôn Đông, xã An Bình, tỉnh Demo"
_ADDRESS_HOATHUAN = "Số 45 đường Trần Phú, tổ 3, phường Hòa Thuận, tỉnh Demo"

POPULATION: dict[str, dict[str, object]] = {
    "001090012345": {
        "personal_id": "001090012345", "full_name": "Nguyễn Văn An", "birth_date": "1990-04-12", "sex": "nam",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "religion": "Không", "hometown": "Xã An Bình, tỉnh Demo",
        "permanent_address": _ADDRESS_ANBINH, "current_address": _ADDRESS_ANBINH,
        "father_name": "Nguyễn Văn Bảo", "mother_name": "Lê Thị Cúc", "marital_status": "married",
        "spouse": {"full_name": "Trần Thị Hạnh", "personal_id": "001192034567"},
    },
    "001192034567": {
        "personal_id": "001192034567", "full_name": "Trần Thị Hạnh", "birth_date": "1992-08-30", "sex": "nu",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "religion": "Không", "hometown": "Xã An Bình, tỉnh Demo",
        "permanent_address": _ADDRESS_ANBINH, "current_address": _ADDRESS_ANBINH, "marital_status": "married",
        "spouse": {"full_name": "Nguyễn Văn An", "personal_id": "001090012345"},
    },
    "079195054321": {
        "personal_id": "079195054321", "full_name": "Trần Thị Bình", "birth_date": "1995-02-17", "sex": "nu",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "religion": "Phật giáo", "hometown": "Phường Hòa Thuận, tỉnh Demo",
        "permanent_address": _ADDRESS_HOATHUAN, "current_address": _ADDRESS_HOATHUAN,
        "father_name": "Trần Văn Dũng", "mother_name": "Phạm Thị Em", "marital_status": "married",
        "spouse": {"full_name": "Võ Minh Tuấn", "personal_id": "079093076543"},
    },
    "031201067890": {
        "personal_id": "031201067890", "full_name": "Lê Minh Châu", "birth_date": "2001-11-05", "sex": "nam",
        "ethnicity": "Tày", "nationality": "Việt Nam", "religion": "Không", "hometown": "Xã An Bình, tỉnh Demo",
        "permanent_address": "Số 7 ngõ 2 đường Hùng Vương, xã An Bình, tỉnh Demo",
        "current_address": "Số 7 ngõ 2 đường Hùng Vương, xã An Bình, tỉnh Demo", "marital_status": "single",
    },
    "048094011223": {
        "personal_id": "048094011223", "full_name": "Phan Văn Đức", "birth_date": "1994-06-21", "sex": "nam",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "religion": "Công giáo", "hometown": "Phường Hòa Thuận, tỉnh Demo",
        "permanent_address": "Số 9 đường Nguyễn Huệ, phường Hòa Thuận, tỉnh Demo",
        "current_address": "Số 9 đường Nguyễn Huệ, phường Hòa Thuận, tỉnh Demo", "marital_status": "single",
    },
    # Deceased (the death bundle's look-up keyed to the deceased): Nguyễn Văn An's late grandfather.
    "001045098765": {
        "personal_id": "001045098765", "full_name": "Nguyễn Văn Bảy", "birth_date": "1945-03-08", "sex": "nam",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "religion": "Không", "hometown": "Xã An Bình, tỉnh Demo",
        "permanent_address": _ADDRESS_ANBINH, "current_address": _ADDRESS_ANBINH, "marital_status": "widowed",
    },
    # A child represented by his father (the disability certificate is his, filed by Nguyễn Văn An).
    "001215003344": {
        "personal_id": "001215003344", "full_name": "Nguyễn Minh Khôi", "birth_date": "2015-09-01", "sex": "nam",
        "ethnicity": "Kinh", "nationality": "Việt Nam", "religion": "Không", "hometown": "Xã An Bình, tỉnh Demo",
        "permanent_address": _ADDRESS_ANBINH, "current_address": _ADDRESS_ANBINH,
        "father_name": "Nguyễn Văn An", "mother_name": "Trần Thị Hạnh", "marital_status": "single",
    },
}

ENTERPRISE: dict[str, dict[str, object]] = {
    "0109876543": {
        "tax_code": "0109876543", "name": "Công ty TNHH Nông sản An Bình", "name_en": "An Binh Agricultural Produce Co., Ltd",
        "type": "tnhh_mot_thanh_vien", "head_office": _ADDRESS_ANBINH, "registered_on": "2019-03-14",
        "charter_capital": 2_000_000_000, "status": "active",
        "legal_representative": {"full_name": "Nguyễn Văn An", "personal_id": "001090012345", "title": "Giám đốc"},
    },
    "0312345678": {
        "tax_code": "0312345678", "name": "Công ty Cổ phần Dịch vụ Hòa Thuận", "name_en": "Hoa Thuan Services JSC",
        "type": "co_phan", "head_office": _ADDRESS_HOATHUAN, "registered_on": "2015-07-01",
        "charter_capital": 10_000_000_000, "status": "active",
        "legal_representative": {"full_name": "Trần Thị Bình", "personal_id": "079195054321", "title": "Tổng Giám đốc"},
    },
    "0200111222": {
        "tax_code": "0200111222", "name": "Công ty TNHH Thương mại Demo (đã giải thể)", "name_en": "Demo Trading Co., Ltd (dissolved)",
        "type": "tnhh_hai_thanh_vien", "head_office": "Số 1 đường Biển, tỉnh Demo", "registered_on": "2010-01-20",
        "charter_capital": 500_000_000, "status": "dissolved",
        "legal_representative": {"full_name": "Lê Minh Châu", "personal_id": "031201067890", "title": "Giám đốc"},
    },
}

SOCIAL_INSURANCE: dict[str, dict[str, object]] = {
    "001090012345": {"number": "0190012345", "months_contributed": 84, "last_employer": "Công ty TNHH Nông sản An Bình"},
    "079195054321": {"number": "7995054321", "months_contributed": 60, "last_employer": "Công ty Cổ phần Dịch vụ Hòa Thuận"},
}

DATA: dict[str, Mapping[str, Mapping[str, object]]] = {
    "population": POPULATION,
    "enterprise": ENTERPRISE,
    "social_insurance": SOCIAL_INSURANCE,
}


class DemoRegistry:
    """An in-process adapter over one of the dictionaries above."""

    code = ""

    @property
    def label(self) -> str:
        return label_of(self.code)

    def lookup(self, key: str) -> Record | None:
        found = DATA[self.code].get(key)
        return Record(self.code, key, dict(found)) if found is not None else None


@register("population")
class DemoPopulation(DemoRegistry):
    code = "population"


@register("enterprise")
class DemoEnterprise(DemoRegistry):
    code = "enterprise"


@register("social_insurance")
class DemoSocialInsurance(DemoRegistry):
    code = "social_insurance"
