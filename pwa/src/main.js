import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
// Vant's components and their styles are imported per view (unplugin-vue-components with
// Vant's resolver, vite.config.js): the first screen loads only what it draws.
import 'vant/es/style/base.css'
import './style.css'
import App from './App.vue'
import Home from './views/Home.vue'
import Login from './views/Login.vue'
import { init as initSession, state } from './lib/session.js'
import { loadLocale } from './lib/i18n.js'
import { start as startOutbox } from './lib/outbox.js'
import { resumePatrol } from './lib/patrol.js'

const router = createRouter({
  history: createWebHistory(),
  // a new screen opens at its top; back returns to where the officer was
  scrollBehavior: (to, from, saved) => saved || { top: 0 },
  routes: [
    { path: '/', component: Home },
    { path: '/login', component: Login, meta: { public: true } },
    // every other screen is its own chunk, fetched on first use (and precached by the
    // service worker, so it opens offline too)
    { path: '/patrol', component: () => import('./views/Patrol.vue') },
    { path: '/inspection', component: () => import('./views/Inspection.vue') },
    { path: '/ticket', component: () => import('./views/Ticket.vue') },
    { path: '/decision/:id', component: () => import('./views/Decision.vue'), props: true },
    { path: '/notice/:id', component: () => import('./views/Notice.vue'), props: true },
    { path: '/cosign', component: () => import('./views/Cosign.vue') },
    { path: '/amend/:id', component: () => import('./views/Amend.vue'), props: true },
    { path: '/documents', component: () => import('./views/Documents.vue') },
    { path: '/outbox', component: () => import('./views/Outbox.vue') },
    { path: '/tasks', component: () => import('./views/Tasks.vue') },
    { path: '/settings', component: () => import('./views/Settings.vue') },
    { path: '/cases', component: () => import('./views/field/MyCases.vue') },
    { path: '/cases/:id', component: () => import('./views/field/CaseField.vue'), props: true },
    { path: '/desk', component: () => import('./views/desk/DeskList.vue'), meta: { desk: true } },
    { path: '/desk/new', component: () => import('./views/desk/OpenCase.vue'), meta: { desk: true, roles: ['officer', 'supervisor'] } },
    { path: '/desk/case/:id', component: () => import('./views/desk/CaseDesk.vue'), props: true, meta: { desk: true } },
    { path: '/supervise', component: () => import('./views/Supervise.vue'), meta: { roles: ['supervisor', 'admin'] } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !state.user) return '/login'
  // supervisor views sit behind the role (the API refuses officers anyway)
  if (to.meta.roles && !to.meta.roles.includes(state.profile?.officer?.role)) return '/'
  return true
})

async function main() {
  await loadLocale()
  await initSession()
  const app = createApp(App)
  app.use(router)
  app.mount('#app')
  await startOutbox()
  if (state.user) await resumePatrol(state.user)
}

main()
