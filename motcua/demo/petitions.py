"""A few petitions (phản ánh, kiến nghị) for the demo, made by the petitions' actions layer at past times.

They show each way a petition goes (answered and published on time and liked; a complaint about a
citizen's own returned dossier, answered and published on time but disliked — which moves 5.3 and
5.4; refused; forwarded; waiting for information; registered from a phone call; filed anonymously
with a verified e-mail) so that the public page, the officers' queue and /kpi/ have something true to show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from motcua.dossiers.models import Dossier, Status
from motcua.identity.models import User
from motcua.petitions.actions import Filing, file_petition, perform, register_petition
from motcua.petitions.models import Petition

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _working(day: date, hour: int) -> datetime:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=HCM)


def load_petitions(today: date | None = None) -> int:
    if Petition.objects.exists():
        return 0
    today = today or datetime.now(HCM).date()
    u = {x.username: x for x in User.objects.filter(username__in=[
        "citizen", "citizen2", "citizen3", "onestop_anbinh", "specialist_anbinh", "approver_anbinh", "onestop_hoathuan",
        "specialist_justice", "approver_justice", "onestop_prov"])}
    made = 0

    def at(days_ago: int, hour: int = 9):
        return freeze_time(_working(today - timedelta(days=days_ago), hour))

    # 1. Feedback about the commune, answered and published on time, liked.
    with at(20):
        p, _ = file_petition(Filing(kind="feedback", topic="unit", subject="Bộ phận một cửa xã đông, chờ lâu buổi sáng",
                                    body="Sáng thứ Hai tôi chờ hơn một giờ mới đến lượt. Đề nghị xã bố trí thêm người.",
                                    unit="000.11.00.H99"), user=u["citizen3"])
    with at(17):
        perform(p.code, "answer", u["specialist_anbinh"], payload={"answer": "UBND xã An Bình đã bố trí thêm một cán bộ tiếp nhận vào sáng thứ Hai và thứ Ba từ tuần sau. Cảm ơn ông/bà đã phản ánh."})
    with at(16):
        perform(p.code, "publish", u["approver_anbinh"])
    with at(15):
        perform(p.code, "like", u["citizen3"])
    made += 1

    # 2. A complaint about the citizen's own returned dossier: answered and published on time, disliked.
    dossier = (Dossier.objects.filter(applicant=u["citizen"], status=Status.RETURNED, unit__code="000.11.00.H99")
               .order_by("-returned_at").first())
    if dossier is not None:
        with at(12):
            p, _ = file_petition(Filing(kind="complaint", subject="Kết quả trả chậm hơn ngày hẹn ghi trên giấy tiếp nhận",
                                        body="Tôi nhận kết quả muộn và không được báo trước.", dossier=dossier.code),
                                 user=u["citizen"])
        with at(9):
            perform(p.code, "answer", u["specialist_anbinh"], payload={"answer": "Hồ sơ được giải quyết trong thời hạn theo quy định; xã sẽ nhắn tin báo trước khi có kết quả."})
        with at(8):
            perform(p.code, "publish", u["approver_anbinh"])
        with at(7):
            perform(p.code, "dislike", u["citizen"])
        made += 1

    # 3. A petition about a rule, to the provincial Department of Justice: refused within 2 working days.
    with at(10):
        p, _ = file_petition(Filing(kind="petition", topic="rules", subject="Đề nghị bỏ yêu cầu bản sao giấy khai sinh",
                                    body="Giấy khai sinh đã có trong cơ sở dữ liệu hộ tịch điện tử.", unit="000.00.17.H99"),
                             user=u["citizen2"])
    with at(9):
        perform(p.code, "refuse", u["specialist_justice"], payload={"reason": "Kiến nghị sửa quy định thuộc thẩm quyền Bộ Tư pháp; đề nghị gửi tới Bộ."})
    made += 1

    # 4. Registered by the one-stop officer from a phone call, forwarded to the ward that is competent.
    with at(4):
        p = register_petition(Filing(kind="feedback", topic="officer", subject="Cán bộ hướng dẫn thiếu nhiệt tình",
                                     body="Người dân gọi điện phản ánh thái độ khi được hướng dẫn thủ tục cư trú.",
                                     unit="000.11.00.H99"), u["onestop_anbinh"], origin="phone",
                              contact_name="Người dân gọi điện (demo)", contact="0900000000")
    with at(3):
        perform(p.code, "forward", u["onestop_anbinh"], payload={"unit": "000.12.00.H99", "reason": "Cán bộ thuộc phường Hòa Thuận"})
    made += 1

    # 5. Waiting for more information from the filer (the clock stands still).
    with at(2):
        p, _ = file_petition(Filing(kind="feedback", topic="procedure", procedure="1.001193", unit="000.11.00.H99",
                                    subject="Biểu mẫu đăng ký khai sinh khó hiểu",
                                    body="Mục quan hệ với trẻ không rõ."), user=u["citizen2"])
    with at(1):
        perform(p.code, "request_information", u["onestop_anbinh"], payload={"reason": "Xin cho biết ông/bà dùng biểu mẫu trên điện thoại hay máy tính."})
    made += 1

    # 6. Filed anonymously with a verified e-mail, still open.
    with at(1, 14):
        file_petition(Filing(kind="feedback", topic="unit", subject="Bãi gửi xe trước trụ sở phường chật",
                             body="Đề nghị phường mở thêm chỗ gửi xe máy.", unit="000.12.00.H99"),
                      contact="nguoidan.demo@example.org")
    made += 1
    return made
