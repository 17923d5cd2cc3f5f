// The staff app's English texts (issue 17), for translators: the key is the Vietnamese text
// exactly as the page shows it, the value its English. Server messages (the API's "detail")
// and what reaches the applicant (the reason templates put into a rejection) stay Vietnamese.
import {translations} from "./locale.js";

export {lang, onLanguage, say, setLanguage, t} from "./locale.js";

export const EN = {
  // the page (index.html)
  "BHXH – Xác minh đăng ký giao dịch điện tử": "Social Insurance – Verifying registrations for electronic transactions",
  "Bỏ qua đến nội dung chính": "Skip to the main content",
  "Xác minh hồ sơ đăng ký giao dịch điện tử": "Verify registrations for electronic transactions",
  "Ngôn ngữ": "Language",
  "Đăng xuất": "Sign out",
  "Đăng nhập cán bộ": "Staff sign-in",
  "Tên đăng nhập": "User name",
  "Mật khẩu": "Password",
  "Mã xác thực (6 số, ứng dụng xác thực)": "Verification code (6 digits, authenticator app)",
  "Đăng nhập": "Sign in",
  "Hàng chờ": "Queue",
  "Tìm theo mã hồ sơ, họ tên hoặc số giấy tờ": "Search by file reference, name or document number",
  "Ví dụ 4802-ABCDEF, Nguyễn Văn Bảo": "For example 4802-ABCDEF, Nguyễn Văn Bảo",
  "Trạng thái": "Status",
  "Tất cả": "All",
  "Chỉ hồ sơ có cảnh báo": "Only files with warnings",
  "Hạn trong 5 ngày": "Due within 5 days",
  "Tìm": "Search",
  "Quét mã QR tại quầy": "Scan the QR code at the counter",
  "Dừng quét": "Stop scanning",
  "Hình ảnh camera để quét mã QR trên tờ khai": "Camera view for scanning the QR code on the declaration",
  "Mã hồ sơ": "File reference", "Hạn đến quầy": "Counter deadline", "Cảnh báo": "Warnings",
  "Xem thêm": "Show more",
  "Chọn một hồ sơ trong hàng chờ.": "Choose a file in the queue.",
  "Sự kiện trực tiếp": "Live events",
  // statuses and the event feed
  "Bản nháp": "Draft", "Đã nộp": "Submitted", "Chờ xác minh": "Awaiting verification", "Đã xác minh": "Verified",
  "Từ chối": "Rejected", "Hết hạn": "Expired", "Đã rút": "Withdrawn",
  "Đã nộp tờ khai": "Declaration submitted", "Đã đọc mã QR và kiểm tra ảnh": "QR code read and photos checked",
  "Chờ đối chiếu tại quầy": "Awaiting the check at the counter", "Đã từ chối": "Rejected",
  "Đã nhắc: sắp hết hạn đến quầy": "Reminded: the counter deadline is near", "Đã hết hạn đến quầy": "The counter deadline has passed",
  "Đã kích hoạt tài khoản": "Account activated", "Giữ nguyên tài khoản đang hoạt động": "The active account kept as it is",
  "Đã gửi bản sao tờ khai": "Declaration copy sent", "Đã gửi tin nhắn SMS": "Text message sent",
  "Người nộp đã rút hồ sơ": "The applicant withdrew the file", "hồ sơ {reference}": "file {reference}",
  // values
  "Nam": "Male", "Nữ": "Female", "Hộ chiếu": "Passport",
  "Ảnh chân dung": "Portrait photo", "Mặt trước giấy tờ": "Front of the document", "Mặt sau giấy tờ": "Back of the document",
  "mặt trước": "front", "mặt sau": "back", "thẻ BHYT": "health insurance card",
  "Người nộp không đến đối chiếu giấy tờ bản gốc.": "The applicant did not come to show the original documents.",
  "Thông tin trên tờ khai không khớp với CCCD bản gốc.": "The declaration does not match the original CCCD.",
  "Ảnh chân dung không đúng người nộp.": "The portrait is not of the applicant.",
  "Giấy tờ tùy thân hết hạn hoặc không hợp lệ.": "The identity document has expired or is not valid.",
  // messages
  "Lỗi {status}": "Error {status}", "Lỗi: {message}": "Error: {message}",
  "Phiên làm việc đã hết hạn hoặc đã đăng xuất. Vui lòng đăng nhập lại.": "The session has expired or was signed out. Please sign in again.",
  "{name} – cơ quan BHXH {agency}": "{name} – social insurance office {agency}",
  "Nhập tên đăng nhập, mật khẩu và mã xác thực 6 số.": "Enter the user name, the password and the 6-digit verification code.",
  "Đang đăng nhập…": "Signing in…", "Đã đăng xuất.": "Signed out.",
  "{n} cảnh báo": "{n} warning(s)", "không đọc được QR": "QR code not read",
  "Đang hiện {shown} / {total} hồ sơ": "Showing {shown} / {total} files",
  "Trình duyệt không hỗ trợ camera; hãy nhập mã hồ sơ.": "This browser cannot use a camera here; type the file reference.",
  "Không mở được camera; hãy cho phép truy cập camera hoặc nhập mã hồ sơ.": "The camera could not be opened; allow camera access or type the file reference.",
  "Đưa mã QR trên tờ khai vào khung hình…": "Hold the QR code on the declaration in the frame…",
  "Mã QR này không chứa mã hồ sơ.": "This QR code holds no file reference.",
  "Đã đọc mã hồ sơ {reference}.": "Read file reference {reference}.",
  // one case
  "Họ và tên": "Full name", "Ngày sinh": "Date of birth", "Giới tính": "Gender", "Số giấy tờ": "Document number",
  "Ngày cấp": "Date of issue", "Địa chỉ": "Address", "Mã số BHXH": "Social insurance number",
  "Quốc tịch": "Nationality", "Điện thoại": "Phone", "Cơ quan BHXH": "Social insurance office",
  "Loại giấy tờ": "Document type", "Đồng ý xử lý dữ liệu cá nhân": "Consent to the processing of personal data",
  "Chưa có": "None", "Đã đồng ý, phiên bản {version}": "Agreed, version {version}", ", lúc {time}": ", at {time}",
  "Tờ khai và mã QR (sai lệch được tô đỏ)": "Declaration and QR code (differences in red)",
  "Trường": "Field", "Người nộp khai": "As declared", "Mã QR trên thẻ": "QR code on the card",
  "tại cơ quan BHXH {agency}": "at social insurance office {agency}",
  "Số giấy tờ này đã có hồ sơ {where} ({status}).": "This document number already has file {where} ({status}).",
  "Cùng tệp {images} với hồ sơ {where} ({status}).": "The same {images} file as file {where} ({status}).",
  "Không có cảnh báo.": "No warnings.",
  "Bản sao tờ khai qua email": "Declaration copy by email", "Tin nhắn SMS": "Text message",
  ": gửi không thành công": ": not delivered", ": đã gửi": ": sent",
  "Đã đọc mã QR ({kind}, {side}).": "QR code read ({kind}, {side}).",
  "Không đọc được mã QR: cần đối chiếu thủ công.": "The QR code could not be read: check by hand.",
  "Khi xác minh, tài khoản VssID đang hoạt động của mã số BHXH này được giữ nguyên: không cấp mật khẩu mới.":
    "On verification, the active VssID account of this social insurance number is kept: no new password is issued.",
  "Hồ sơ {reference} – {status}": "File {reference} – {status}",
  "Hạn đến trực tiếp:": "Deadline to come in person:", "Nộp lúc {time}.": "Submitted at {time}.",
  "Diễn biến": "History", "Quyết định": "Decision",
  "Ghi chú khi xác minh / lý do từ chối": "Note on verification / reason for rejection",
  "Lý do mẫu": "Reason template", "— chọn lý do mẫu —": "— choose a reason template —",
  "Xác minh": "Verify", "Cấp lại mật khẩu": "Reissue the password", "button|Từ chối": "Reject",
  "Xác nhận người nộp đã đến và giấy tờ bản gốc khớp với hồ sơ {reference}?":
    "Confirm that the applicant came in and the original documents match file {reference}?",
  "Nhập hoặc chọn lý do từ chối.": "Type or choose a reason for the rejection.",
  "Từ chối hồ sơ {reference}? Người nộp sẽ được báo lý do.": "Reject file {reference}? The applicant will be told the reason.",
  "Cấp lại mật khẩu cho tài khoản đang hoạt động? Mật khẩu mới được gửi đến điện thoại đã đăng ký của chủ tài khoản.":
    "Reissue the password of the active account? The new password is sent to the account holder's registered phone.",
  "Phóng to": "Zoom in", "Thu nhỏ": "Zoom out", "Xoay": "Rotate",
  "Xoay {kind} 90 độ": "Rotate the {kind} 90 degrees", "Phóng to hoặc thu nhỏ {kind}": "Zoom in or zoom out the {kind}",
  "Xác nhận": "Confirm", "Huỷ": "Cancel", "Đã xác minh.": "Verified.", "Đã từ chối.": "Rejected.",
};

// The switch itself (t, say, the static texts, the buttons) is vssid_shared's locale.js, the
// same file in both apps; it gets this table here.
translations(EN);
