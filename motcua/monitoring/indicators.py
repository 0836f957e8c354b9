"""The Decision 766 indicators (KPI-766.md §3–4): what each one counts, with the spec's defaults.

Every indicator is scored `max × min(1, r / threshold)` (§2); its points,
threshold and zero-denominator rule are data (IndicatorSetting) with the
defaults below. `source` says where numerator and denominator come from:

- counter: a ratio of two counter columns summed over the window;
- progress: ended dossiers from the counters plus, when the window reaches
  today, the open ones from OpenCounter (§3 G2);
- procedures: distinct procedures of the unit's authority that have at least
  one dossier counted in a column / the procedures of that kind (catalogue);
- catalog: a fact of the catalogue and the unit tree, no window;
- sync: indicator 1.4 from the national sync log (integrations/national/sync.py): dossiers
  received in the window whose receipt the portal acknowledged on time / dossiers received
  (or the national report's count typed in as an ExternalFigure, when larger: §3 G1);
- external: figures entered by an administrator (ExternalFigure), because the
  data lives outside motcua (publication decisions);
- petitions: counted from motcua's petitions (petition_counters.py), plus any figures an
  administrator enters for units and months whose petitions were handled outside motcua
  (ExternalFigure; where motcua holds a unit's petitions of a month, its count replaces the figure).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Group:
    code: str
    name: Promise
    max_points: int


GROUPS = (
    Group("G1", _("Công khai, minh bạch"), 18),
    Group("G2", _("Tiến độ giải quyết"), 20),
    Group("G3", _("Dịch vụ công trực tuyến"), 12),
    Group("G4", _("Thanh toán trực tuyến"), 10),
    Group("G5", _("Mức độ hài lòng"), 18),
    Group("G6", _("Số hóa hồ sơ"), 22),
)


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    ref: str  # the number used by the portal (1.1, 3.3 …)
    name: Promise
    source: str  # counter | progress | procedures | catalog | sync | external | petitions
    numerator: str = ""  # a counter column, or for `procedures` the column a procedure needs > 0
    denominator: str = ""  # a counter column, or for `procedures`/`catalog` the kind of procedure/unit
    max_points: float = 0
    threshold: float = 1.0
    when_no_data: str = "null"
    help: Promise | str = ""  # one sentence: the spec line it implements and the reading taken (docs/monitoring.md)


INDICATORS = (
    Indicator("PUBLISH_ON_TIME", "G1", "1.1", _("Công bố thủ tục hành chính đúng hạn"), "external", max_points=6,
              help=_("KPI-766 §3 G1 1.1: số liệu ngoài hệ thống (quyết định công bố thủ tục), nhập trong trang quản trị.")),
    Indicator("PUBLIC_UPDATE_ON_TIME", "G1", "1.2", _("Công khai, cập nhật thủ tục đúng hạn"), "external", max_points=4,
              help=_("KPI-766 §3 G1 1.2: số liệu ngoài hệ thống (công khai thủ tục), nhập trong trang quản trị.")),
    Indicator("PUBLIC_CONTENT_FULL", "G1", "1.3", _("Công khai đầy đủ nội dung thủ tục"), "external", max_points=2,
              help=_("KPI-766 §3 G1 1.3: số liệu ngoài hệ thống (nội dung công khai), nhập trong trang quản trị.")),
    Indicator("DOSSIER_SYNC", "G1", "1.4", _("Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia"), "sync",
              "synced", "received", max_points=6,
              help=_("KPI-766 §3 G1 1.4: hồ sơ tiếp nhận trong kỳ mà Cổng quốc gia đã xác nhận việc tiếp nhận đúng hạn, theo nhật ký đồng bộ của hệ thống / số hồ sơ tiếp nhận trong kỳ (hoặc số của báo cáo Cổng quốc gia nếu lớn hơn, nhập trong trang quản trị).")),
    Indicator("PROGRESS_ON_TIME", "G2", "2.1", _("Hồ sơ giải quyết đúng hạn"), "progress",
              "ended_on_time", "ended", max_points=20,
              help=_("KPI-766 §3 G2 và §5.1–5.2: hồ sơ kết thúc trong kỳ và hồ sơ đang giải quyết trong kỳ, xét đúng hạn so với hạn giải quyết theo quy định (chỉ lùi khi tạm dừng chờ bổ sung; phiếu xin lỗi không làm thay đổi).")),
    Indicator("ONLINE_PROCEDURES", "G3", "3.1", _("Thủ tục cung cấp dịch vụ công trực tuyến"), "catalog",
              "online_service", "authority", max_points=2, threshold=0.8,
              help=_("KPI-766 §3 G3 r31: thủ tục thuộc thẩm quyền có dịch vụ công trực tuyến một phần hoặc toàn trình, trên thủ tục thuộc thẩm quyền.")),
    Indicator("ONLINE_SERVICES_USED", "G3", "3.2", _("Dịch vụ công trực tuyến phát sinh hồ sơ"), "procedures",
              "online", "authority", max_points=4,
              help=_("KPI-766 §3 G3 r32: thủ tục thuộc thẩm quyền có ít nhất một hồ sơ trực tuyến được tiếp nhận trong kỳ.")),
    Indicator("ONLINE_DOSSIERS", "G3", "3.3", _("Hồ sơ nộp trực tuyến"), "counter",
              "online", "received", max_points=6, threshold=0.5,
              help=_("KPI-766 §3 G3 r33: hồ sơ tiếp nhận trực tuyến trên hồ sơ tiếp nhận trong kỳ (hệ số đồng bộ 1).")),
    Indicator("PAYMENT_DOSSIERS", "G4", "A", _("Hồ sơ thanh toán trực tuyến"), "counter",
              "paid_online", "fee_bearing", max_points=6, when_no_data="zero",
              help=_("KPI-766 §3 G4 A: hồ sơ có phí được thanh toán trực tuyến trên hồ sơ có phí tiếp nhận trong kỳ.")),
    Indicator("PAYMENT_PROCEDURES", "G4", "B", _("Thủ tục có thanh toán trực tuyến"), "procedures",
              "paid_online", "fee", max_points=2, threshold=0.8, when_no_data="zero",
              help=_("KPI-766 §3 G4 B và §5.8: thủ tục có phí có ít nhất một hồ sơ thanh toán trực tuyến.")),
    Indicator("PAYMENT_FEE_DATA", "G4", "C", _("Thủ tục có hồ sơ kèm dữ liệu phí, lệ phí"), "procedures",
              "fee_bearing", "fee", max_points=2, threshold=0.8, when_no_data="zero",
              help=_("KPI-766 §3 G4 C và §5.8: thủ tục có phí có hồ sơ kèm dữ liệu phí, lệ phí.")),
    Indicator("PETITION_PROCESSING_ON_TIME", "G5", "5.2", _("Xử lý phản ánh, kiến nghị đúng hạn"), "petitions",
              "on_time", max_points=6, when_no_data="full",
              help=_("KPI-766 §3 G5 5.2: phản ánh, kiến nghị tiếp nhận lần đầu trong kỳ đã xử lý đúng hạn hoặc đang xử lý trong hạn, số liệu ngoài hệ thống chỉ tính cho đơn vị và tháng mà hệ thống không giữ phản ánh nào; không có phản ánh thì đủ điểm.")),
    Indicator("PETITION_HANDLING_SATISFACTION", "G5", "5.3", _("Hài lòng về xử lý phản ánh, kiến nghị"), "petitions",
              "satisfied", max_points=6, when_no_data="full",
              help=_("KPI-766 §3 G5 5.3: phản ánh, kiến nghị tiếp nhận lần đầu trong kỳ, trừ một lần mỗi phản ánh quá hạn, bị phản đối nhiều hơn đồng tình hoặc bị khiếu nại lại; số liệu ngoài hệ thống chỉ tính cho đơn vị và tháng mà hệ thống không giữ phản ánh nào; không có phản ánh thì đủ điểm.")),
    Indicator("DOSSIER_RECEIVING_SATISFACTION", "G5", "5.4", _("Hài lòng về tiếp nhận, giải quyết hồ sơ"), "counter",
              "ended_satisfied", "ended", max_points=6, threshold=0.9, when_no_data="zero",
              help=_("KPI-766 §3 G5 5.4 và §5.3: hồ sơ kết thúc trong kỳ, trừ một lần mỗi hồ sơ quá hạn theo quy định hoặc bị đánh giá không hài lòng.")),
    Indicator("ORIGINAL_RESULT_AVAILABLE", "G6", "4.1", _("Kết quả giải quyết điện tử"), "counter",
              "finished_e_result", "finished", max_points=6,
              help=_("KPI-766 §3 G6 4.1: hồ sơ đã xử lý xong có kết quả điện tử trên hồ sơ đã xử lý xong.")),
    Indicator("SO_HOA_GIAY_TO_GIAI_QUYET", "G6", "4.2", _("Hồ sơ có thành phần được số hóa"), "counter",
              "digitized", "received", max_points=4,
              help=_("KPI-766 §3 G6 4.2 và §5.4: hồ sơ tiếp nhận có mọi thành phần là bản điện tử và đã có kết quả điện tử.")),
    Indicator("REUSED_DIGITIZED_DATA", "G6", "4.3", _("Tái sử dụng dữ liệu đã số hóa"), "counter",
              "reused", "received", max_points=2, threshold=0.8,
              help=_("KPI-766 §3 G6 4.3 và §5.5: hồ sơ tiếp nhận có thành phần lấy từ kho dữ liệu hoặc thực sự đọc từ cơ sở dữ liệu cho hồ sơ đó.")),
    Indicator("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", "G6", "4.4", _("Sử dụng kho dữ liệu cá nhân"), "counter",
              "vault", "received", max_points=4,
              help=_("KPI-766 §3 G6 4.4 và §5.6: hồ sơ tiếp nhận dùng giấy tờ trong kho dữ liệu hoặc có kết quả điện tử đưa vào kho.")),
    Indicator("ELECTRONIC_CERTIFIED_COPY", "G6", "4.6", _("Cấp xã cung cấp chứng thực bản sao điện tử"), "catalog",
              "certified_copy", "communes", max_points=2, when_no_data="full",
              help=_("KPI-766 §3 G6: xã cung cấp chứng thực bản sao điện tử trên số xã; đơn vị không có xã thì đủ điểm.")),
    Indicator("CITIZEN_DATA_CONNECTED_DOSSIER", "G6", "4.5b", _("Hồ sơ sử dụng dữ liệu dân cư"), "counter",
              "citizen_data", "received", max_points=2,
              help=_("KPI-766 §3 G6 4.5b và §5.7: hồ sơ tiếp nhận có người nộp đăng nhập VNeID, dùng kho dữ liệu hoặc dữ liệu từ Cơ sở dữ liệu quốc gia về dân cư.")),
    Indicator("CITIZEN_DATA_CONNECTED_FORMALITY", "G6", "4.5a", _("Thủ tục có hồ sơ sử dụng dữ liệu dân cư"), "procedures",
              "citizen_data", "citizen", max_points=2,
              help=_("KPI-766 §3 G6 4.5a và §5.7: thủ tục cho công dân có ít nhất một hồ sơ như ở 4.5b trong kỳ.")),
)

# Default targets of the headline rate, percent (KPI-766.md §4).
DEFAULT_TARGETS = {("ministry", 2024): 70.0, ("ministry", 2025): 85.0, ("locality", 2024): 30.0, ("locality", 2025): 70.0}
# Procedures whose online service is an electronic certified copy (ELECTRONIC_CERTIFIED_COPY).
DEFAULT_OPTIONS = {
    "deadline_compare": "timestamp",  # or "date": compare the end and the promise by local date [U]
    "certified_copy_procedures": "2.000815",  # comma-separated procedure codes
}
