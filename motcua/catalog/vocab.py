"""The closed vocabularies a procedure definition may use.

A definition that names anything outside these lists is refused, so a typo
in a role or a document type cannot reach a dossier.
"""

from __future__ import annotations

from motcua.units.models import Role, UnitKind

ROLES = frozenset(Role.values)
UNIT_KINDS = frozenset(UnitKind.values)
LEVELS = frozenset({"ministry", "province", "commune"})

# Sector of an agency: lets a workflow step say "the police of this commune"
# without naming one province's units.
AGENCIES: dict[str, dict[str, str]] = {
    "people_committee": {"vi": "Ủy ban nhân dân", "en": "People's Committee"},
    "justice": {"vi": "Tư pháp", "en": "Justice"},
    "police": {"vi": "Công an", "en": "Police"},
    "social_insurance": {"vi": "Bảo hiểm xã hội", "en": "Social Insurance"},
    "construction": {"vi": "Xây dựng", "en": "Construction"},
    "finance": {"vi": "Tài chính", "en": "Finance"},
    "health": {"vi": "Y tế", "en": "Health"},
    "home_affairs": {"vi": "Nội vụ", "en": "Home Affairs"},
    "agriculture_environment": {"vi": "Nông nghiệp và Môi trường", "en": "Agriculture and Environment"},
    "industry_trade": {"vi": "Công Thương", "en": "Industry and Trade"},
    "education": {"vi": "Giáo dục và Đào tạo", "en": "Education and Training"},
}

# Document types kept in a citizen's vault (kho dữ liệu): results issued by
# procedures and papers the state holds.
DOCUMENT_TYPES: dict[str, dict[str, str]] = {
    "medical_birth_certificate": {"vi": "Giấy chứng sinh", "en": "Medical birth certificate", "bn": "হাসপাতালের জন্ম সনদ"},
    "payment_receipt": {"vi": "Biên lai thu phí, lệ phí", "en": "Receipt for fees and charges", "bn": "ফি ও চার্জের রসিদ"},
    "birth_certificate": {"vi": "Giấy khai sinh", "en": "Birth certificate", "bn": "জন্ম সনদ"},
    "birth_certificate_copy": {"vi": "Bản sao Giấy khai sinh / trích lục hộ tịch", "en": "Copy of a civil-status extract", "bn": "জন্ম সনদের অনুলিপি / নাগরিক অবস্থার উদ্ধৃতি"},
    "death_notice": {"vi": "Giấy báo tử", "en": "Death notice", "bn": "মৃত্যুর বিজ্ঞপ্তি"},
    "death_extract": {"vi": "Trích lục khai tử", "en": "Death extract", "bn": "মৃত্যু নিবন্ধনের উদ্ধৃতি"},
    "marriage_certificate": {"vi": "Giấy chứng nhận kết hôn", "en": "Marriage certificate", "bn": "বিবাহ সনদ"},
    "marital_status_certificate": {"vi": "Giấy xác nhận tình trạng hôn nhân", "en": "Marital status certificate", "bn": "বৈবাহিক অবস্থার সনদ"},
    "certified_copy": {"vi": "Bản sao có chứng thực", "en": "Certified copy", "bn": "প্রত্যয়িত অনুলিপি"},
    "criminal_record_1": {"vi": "Phiếu lý lịch tư pháp số 1", "en": "Criminal record certificate No. 1", "bn": "অপরাধমূলক রেকর্ড সনদ নং ১"},
    "criminal_record_2": {"vi": "Phiếu lý lịch tư pháp số 2", "en": "Criminal record certificate No. 2", "bn": "অপরাধমূলক রেকর্ড সনদ নং ২"},
    "residence_notice": {"vi": "Thông báo kết quả giải quyết thủ tục cư trú", "en": "Residence registration notice", "bn": "বসবাস নিবন্ধনের বিজ্ঞপ্তি"},
    "health_insurance_card": {"vi": "Thẻ bảo hiểm y tế", "en": "Health insurance card", "bn": "স্বাস্থ্য বীমা কার্ড"},
    "id_card": {"vi": "Thẻ căn cước", "en": "Identity card", "bn": "পরিচয়পত্র"},
    "passport": {"vi": "Hộ chiếu phổ thông", "en": "Ordinary passport", "bn": "সাধারণ পাসপোর্ট"},
    "driving_licence": {"vi": "Giấy phép lái xe", "en": "Driving licence", "bn": "ড্রাইভিং লাইসেন্স"},
    "health_certificate": {"vi": "Giấy khám sức khỏe", "en": "Health certificate", "bn": "স্বাস্থ্য সনদ"},
    "construction_permit": {"vi": "Giấy phép xây dựng", "en": "Construction permit", "bn": "নির্মাণ অনুমতিপত্র"},
    "land_use_certificate": {"vi": "Giấy chứng nhận quyền sử dụng đất", "en": "Land-use right certificate", "bn": "ভূমি ব্যবহারের অধিকার সনদ"},
    "enterprise_registration_certificate": {"vi": "Giấy chứng nhận đăng ký doanh nghiệp", "en": "Enterprise registration certificate", "bn": "প্রতিষ্ঠান নিবন্ধন সনদ"},
    "diploma": {"vi": "Văn bằng chuyên môn", "en": "Professional diploma", "bn": "পেশাগত ডিপ্লোমা"},
    "practising_certificate_pharmacy": {"vi": "Chứng chỉ hành nghề dược", "en": "Pharmacy practising certificate", "bn": "ফার্মেসি অনুশীলন সনদ"},
    "labour_contract_termination": {"vi": "Giấy tờ chấm dứt hợp đồng lao động", "en": "Proof of end of labour contract", "bn": "শ্রম চুক্তি সমাপ্তির প্রমাণ"},
    "unemployment_benefit_decision": {"vi": "Quyết định hưởng trợ cấp thất nghiệp", "en": "Unemployment benefit decision", "bn": "বেকারত্ব ভাতার সিদ্ধান্ত"},
    "authorization_letter": {"vi": "Văn bản ủy quyền", "en": "Authorisation letter", "bn": "অনুমোদনপত্র"},
}

# Registries a component or form field may be filled from (once-only principle).
REGISTRIES: dict[str, dict[str, str]] = {
    "population": {"vi": "Cơ sở dữ liệu quốc gia về dân cư", "en": "National population database", "bn": "জাতীয় জনসংখ্যা ডেটাবেস"},
    "civil_status": {"vi": "Cơ sở dữ liệu hộ tịch điện tử", "en": "Electronic civil-status database", "bn": "ইলেকট্রনিক নাগরিক অবস্থা ডেটাবেস"},
    "enterprise": {"vi": "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp", "en": "National business registration database", "bn": "জাতীয় ব্যবসা নিবন্ধন ডেটাবেস"},
    "social_insurance": {"vi": "Cơ sở dữ liệu quốc gia về bảo hiểm", "en": "National insurance database", "bn": "জাতীয় বীমা ডেটাবেস"},
    "land": {"vi": "Cơ sở dữ liệu đất đai", "en": "Land database", "bn": "ভূমি ডেটাবেস"},
    "driving_licence": {"vi": "Cơ sở dữ liệu giấy phép lái xe", "en": "Driving licence database", "bn": "ড্রাইভিং লাইসেন্স ডেটাবেস"},
}

