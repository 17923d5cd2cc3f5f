// The counter scan (issue 17): the declaration copy the notifier mails (PDF) carries a QR code
// whose text is exactly the case's reference, e.g. "4802-ACDEFG" (services/notifier/
// vssid_notifier/pdf.py, segno.make(reference)). The office webcam's frames are decoded here
// with the vendored jsQR (a classic script: window.jsQR); only the reference goes to the API.
const ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY";  // services/intake/vssid_intake/reference.py
const REFERENCE = new RegExp(`(?:^|[^0-9A-Z])(\\d{4}-[${ALPHABET}]{6})(?![0-9A-Z])`);

// The reference in a decoded text, or null: the copy's QR is the bare reference, yet a
// reference inside a longer text (a link, a label) is found too; case does not matter.
export function referenceIn(text) {
  const m = REFERENCE.exec(String(text ?? "").trim().toUpperCase());
  return m ? m[1] : null;
}

let stream = null;
export const scanning = () => stream !== null;
export const cameraAvailable = () => !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR);

export function stopScan() {
  if (stream) { stream.getTracks().forEach((track) => track.stop()); stream = null; }
  const video = document.getElementById("scan-video");
  if (video) { video.srcObject = null; video.hidden = true; }
}

// Opens the camera into `video` and calls found(text) for each QR code decoded, a few frames a
// second, until found returns true (done) or stopScan() is called. Throws if no camera opens.
export async function startScan(video, found) {
  stopScan();
  stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
  const mine = stream;
  video.srcObject = mine; video.hidden = false;
  await video.play();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  let last = null;
  const tick = () => {
    if (stream !== mine) return;
    if (video.videoWidth) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const code = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      // The same wrong code held up is reported once, not every frame.
      if (code && code.data && code.data !== last) { last = code.data; if (found(code.data)) { stopScan(); return; } }
    }
    setTimeout(tick, 150);
  };
  tick();
}
