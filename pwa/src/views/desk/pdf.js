// A case's PDFs need the officer's token, so they are fetched and handed over as a blob:
// opened in a new tab (the tab is opened inside the click, before the fetch, so no popup
// blocker stops it) or saved as a file.
import { state } from '../../lib/session.js'
import { deskApi } from '../../lib/desk.js'
import { saveBlob } from '../../lib/files.js'

export async function openPdf(path) {
  const tab = window.open('', '_blank')
  try {
    const url = URL.createObjectURL(await deskApi.pdf(state.user, path))
    if (tab) tab.location.href = url
    else window.location.assign(url)
    setTimeout(() => URL.revokeObjectURL(url), 300_000)
  } catch (err) {
    tab?.close()
    throw err
  }
}

export async function downloadPdf(path, name) {
  saveBlob(await deskApi.pdf(state.user, path), name)
}
