// The applicant app's English texts (issue 17), for translators: the key is the Vietnamese text
// exactly as the page shows it (the office guide's wording), the value its English.
// Server messages (the API's "detail") are never translated here: they show as sent.
import {translations} from "./locale.js";

export {lang, onLanguage, say, setLanguage, t} from "./locale.js";

export const EN = {
  // the page (index.html)
  "VssID – Đăng ký giao dịch điện tử với cơ quan BHXH": "VssID – Register for electronic transactions with Social Insurance",
  "Đăng ký giao dịch điện tử với cơ quan BHXH": "Register for electronic transactions with Social Insurance",
  "Ngôn ngữ": "Language",
  "Các bước": "Steps",
  "Bước 1: Đăng ký tài khoản": "Step 1: Create an account",
  "Kê khai thông tin, chụp ảnh giấy tờ, chọn cơ quan BHXH tiếp nhận rồi gửi tờ khai. Sau đó đến cơ quan BHXH với giấy tờ tùy thân để hoàn tất thủ tục.":
    "Fill in your details, photograph your documents, choose the social insurance office that receives your declaration, then send it. Afterwards, visit that office with your identity document to complete the procedure.",
  "Đăng ký tài khoản": "Create an account",
  "Tiếp tục tờ khai đang làm": "Continue the declaration in progress",
  "Xem trạng thái tờ khai đã gửi": "See the status of the sent declaration",
  "Đăng nhập": "Sign in",
  "Mã số BHXH hoặc mã thẻ BHYT (15 ký tự)": "Social insurance number or health insurance card code (15 characters)",
  "Mật khẩu": "Password",
  "Lần đăng nhập đầu tiên: hãy đổi mật khẩu được gửi qua tin nhắn.": "First sign-in: please change the password sent to you by text message.",
  "Mật khẩu mới": "New password",
  "Đổi mật khẩu": "Change password",
  "Bước 2: Kê khai thông tin": "Step 2: Your details",
  "Tự động điền": "Fill in automatically",
  "Quét mã QR thẻ BHYT hoặc CCCD (chụp hoặc chọn ảnh)": "Scan the QR code of your health insurance card or citizen ID card (take or choose a photo)",
  "Quét mã QR bằng camera": "Scan the QR code with the camera",
  "Dừng quét": "Stop scanning",
  "Hình ảnh camera để quét mã QR": "Camera view for scanning the QR code",
  "Tra cứu mã số BHXH": "Look up your social insurance number",
  "Họ và tên": "Full name",
  "Ngày sinh (dd/mm/yyyy)": "Date of birth (dd/mm/yyyy)",
  "Mã tỉnh/thành phố (ví dụ 48)": "Province/city code (for example 48)",
  "Tra cứu": "Look up",
  "Tiếp tục": "Continue",
  "Bước 3: Ảnh chân dung và giấy tờ tùy thân": "Step 3: Portrait and identity document photos",
  "Quay lại": "Back",
  "Bước 4: Chọn cơ quan BHXH tiếp nhận tờ khai": "Step 4: Choose the social insurance office that receives the declaration",
  "Mã hoặc tên cơ quan BHXH": "Code or name of the social insurance office",
  "Ví dụ 4802": "For example 4802",
  "Cơ quan BHXH": "Social insurance office",
  "Gửi email tờ khai": "Email me a copy of the declaration",
  "Lưu ý: Ngoài việc để nhận tờ khai, email này còn được sử dụng để giao dịch, nhận các thông tin từ cơ quan BHXH.":
    "Note: besides receiving the declaration, this email address is also used for transactions and for information from the social insurance office.",
  "Bước 5: Gửi tờ khai": "Step 5: Send the declaration",
  "Gửi": "Send",
  "Gửi tờ khai thành công": "Declaration sent",
  // the steps, the fields, the photos (app.js)
  "Đăng ký": "Register", "Kê khai": "Details", "Ảnh": "Photos",
  "Mã số BHXH (10 số)": "Social insurance number (10 digits)",
  "Giới tính": "Gender", "— chọn —": "— choose —", "Nam": "Male", "Nữ": "Female",
  "Quốc tịch (mã, ví dụ VN)": "Nationality (code, for example VN)",
  "Loại giấy tờ": "Document type", "Hộ chiếu": "Passport",
  "Số giấy tờ": "Document number", "Ngày cấp (dd/mm/yyyy)": "Date of issue (dd/mm/yyyy)",
  "Nơi cấp (không bắt buộc)": "Place of issue (optional)", "Địa chỉ": "Address",
  "Số điện thoại di động": "Mobile phone number",
  "Ảnh chân dung": "Portrait photo", "Mặt trước giấy tờ tùy thân": "Front of the identity document",
  "Mặt sau giấy tờ tùy thân": "Back of the identity document", "{label} đã chọn": "{label}, chosen",
  // statuses
  "Bản nháp": "Draft", "Đã gửi": "Sent", "Chờ đối chiếu tại cơ quan BHXH": "Awaiting the check at the social insurance office",
  "Đã xác minh": "Verified", "Bị từ chối": "Rejected", "Hết hạn": "Expired", "Đã rút": "Withdrawn",
  // messages
  "Lỗi {status}": "Error {status}",
  "Vui lòng đổi mật khẩu trước khi tiếp tục.": "Please change your password before going on.",
  "Đăng nhập thành công.": "Signed in.",
  "Đã đổi mật khẩu. Hãy đăng nhập bằng mật khẩu mới.": "Password changed. Sign in with the new password.",
  "Thiết bị không hỗ trợ camera; hãy chọn ảnh.": "This device cannot use a camera here; choose a photo instead.",
  "Không mở được camera; hãy cho phép truy cập camera hoặc chọn ảnh.": "The camera could not be opened; allow camera access or choose a photo.",
  "Đưa mã QR vào khung hình…": "Hold the QR code in the frame…",
  "Đã điền số CCCD, họ tên, địa chỉ, ngày sinh, giới tính và ngày cấp từ mã QR.":
    "Filled in the CCCD number, name, address, date of birth, gender and date of issue from the QR code.",
  "Đã điền mã số BHXH và họ tên từ mã QR thẻ BHYT.": "Filled in the social insurance number and name from the health insurance card's QR code.",
  "Đang đọc mã QR…": "Reading the QR code…",
  "Chọn": "Choose", "Không tìm thấy mã số BHXH phù hợp.": "No matching social insurance number was found.",
  "Đã tải lên. Chọn ảnh khác để chụp lại.": "Uploaded. Choose another photo to retake it.",
  "Đang tải lên…": "Uploading…", "Còn thiếu: {list}.": "Still missing: {list}.",
  "Tôi đồng ý": "I agree", "Không tìm thấy cơ quan BHXH.": "No social insurance office was found.",
  "Chọn cơ quan BHXH tiếp nhận tờ khai.": "Choose the social insurance office that receives the declaration.",
  "Cần đồng ý để gửi tờ khai.": "Your consent is needed to send the declaration.",
  // the review and the success screen
  "Thông tin kê khai": "Your details", "đã tải lên": "uploaded", "chưa có": "missing",
  "Cơ quan BHXH tiếp nhận": "Receiving social insurance office", "gửi email tờ khai": "a copy of the declaration by email",
  "Mã hồ sơ của bạn:": "Your file reference:", "Trạng thái:": "Status:",
  "Hạn đến cơ quan BHXH:": "Visit the office by:",
  "Vui lòng đến cơ quan BHXH với giấy tờ tùy thân (CCCD/CMND/Hộ chiếu) để hoàn tất thủ tục.":
    "Please visit the social insurance office with your identity document (CCCD/CMND/passport) to complete the procedure.",
  "Cơ quan": "Office", "Điện thoại": "Phone",
  "Mang theo: giấy tờ tùy thân bản gốc đã khai, và mã hồ sơ ở trên (trên điện thoại hoặc bản in).":
    "Bring: the original of the identity document you declared, and the file reference above (on your phone or printed).",
  "Xem lại trạng thái": "Check the status again",
};

// The switch itself (t, say, the static texts, the buttons) is vssid_shared's locale.js, the
// same file in both apps; it gets this table here.
translations(EN);
