// Handing a file to the user (exports, the outbox's backup): a download the browser saves.

/** Save `blob` as `name`. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000) // the download has its bytes by then
}

/** The file name a Content-Disposition gives: RFC 6266's `filename*=UTF-8''…` (Chinese names)
 * before the plain `filename="…"`; null when it gives none. */
export function dispositionName(header) {
  const h = header || ''
  const star = h.match(/filename\*\s*=\s*UTF-8''([^;]+)/i)?.[1]
  if (star) {
    try { return decodeURIComponent(star.trim()) } catch { /* malformed: the plain name */ }
  }
  return h.match(/filename\s*=\s*"([^"]+)"/i)?.[1] || null
}

/** Save a fetched file under the name its Content-Disposition gives, or `fallback`. */
export async function saveResponse(resp, fallback) {
  saveBlob(await resp.blob(), dispositionName(resp.headers.get('Content-Disposition')) || fallback)
}
