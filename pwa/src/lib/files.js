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

/** Save a fetched file under the name its Content-Disposition gives, or `fallback`. */
export async function saveResponse(resp, fallback) {
  const name = (resp.headers.get('Content-Disposition') || '').match(/filename="([^"]+)"/)?.[1] || fallback
  saveBlob(await resp.blob(), name)
}
