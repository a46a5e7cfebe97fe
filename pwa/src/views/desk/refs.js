// The street's officers and the matters catalog for the desk's screens: the copies the login
// cached first, then the server's (the desk works online), once per signed-in officer.
import { shallowRef } from 'vue'
import { state, ref as cached } from '../../lib/session.js'
import { deskApi } from '../../lib/desk.js'

export const team = shallowRef([])
export const matters = shallowRef([])
let loadedFor = null
let loading = null

export function loadRefs() {
  if (loadedFor === state.user && loading) return loading
  loadedFor = state.user
  loading = (async () => {
    team.value = (await cached('team')) || team.value
    matters.value = (await cached('matters')) || matters.value
    try {
      const [tm, ms] = await Promise.all([deskApi.team(state.user), deskApi.matters(state.user)])
      team.value = tm
      matters.value = ms
    } catch { /* offline: the cached copies stay */ }
  })()
  return loading
}
