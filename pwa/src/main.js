import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import {
  Button, Cell, CellGroup, Dialog, Field, Form, Icon, NavBar, NoticeBar, Popup, Radio, RadioGroup, Search,
  Stepper, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag, Toast, Uploader, ActionSheet, Empty, Loading, Checkbox,
} from 'vant'
import 'vant/lib/index.css'
import 'leaflet/dist/leaflet.css'
import './style.css'
import App from './App.vue'
import Home from './views/Home.vue'
import Login from './views/Login.vue'
import Patrol from './views/Patrol.vue'
import Inspection from './views/Inspection.vue'
import Ticket from './views/Ticket.vue'
import Decision from './views/Decision.vue'
import Cosign from './views/Cosign.vue'
import Outbox from './views/Outbox.vue'
import Tasks from './views/Tasks.vue'
import Settings from './views/Settings.vue'
import Supervise from './views/Supervise.vue'
import { init as initSession, state } from './lib/session.js'
import { loadLocale } from './lib/i18n.js'
import { start as startOutbox } from './lib/outbox.js'
import { resumePatrol } from './lib/patrol.js'

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: Home },
    { path: '/login', component: Login, meta: { public: true } },
    { path: '/patrol', component: Patrol },
    { path: '/inspection', component: Inspection },
    { path: '/ticket', component: Ticket },
    { path: '/decision/:id', component: Decision, props: true },
    { path: '/cosign', component: Cosign },
    { path: '/outbox', component: Outbox },
    { path: '/tasks', component: Tasks },
    { path: '/settings', component: Settings },
    { path: '/supervise', component: Supervise, meta: { roles: ['supervisor', 'admin'] } },
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
  for (const c of [Button, Cell, CellGroup, Dialog, Field, Form, Icon, NavBar, NoticeBar, Popup, Radio, RadioGroup, Search,
    Stepper, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag, Toast, Uploader, ActionSheet, Empty, Loading, Checkbox]) app.use(c)
  app.use(router)
  app.mount('#app')
  await startOutbox()
  if (state.user) await resumePatrol(state.user)
}

main()
