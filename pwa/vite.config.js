// The officer's app: Vue 3 + Vant 4, service worker and manifest by vite-plugin-pwa (Workbox).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { compression } from 'vite-plugin-compression2'

import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url)))

// Vant's icon font is inlined as woff2 but also names a CDN fallback; the app never
// fetches from outside (offline, and the CSP would refuse it), so the fallback goes.
const noCdnFonts = {
  name: 'no-cdn-fonts',
  enforce: 'pre',
  transform(code, id) {
    if (!id.includes('vant') || !id.endsWith('.css')) return null
    return { code: code.replace(/,\s*url\((["']?)(https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\((["']?)woff\3\)/g, ''), map: null }
  },
}

export default defineConfig({
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  plugins: [
    noCdnFonts,
    vue(),
    // each view imports the Vant components (and their CSS) its template uses: the login
    // screen does not carry the console's
    Components({ resolvers: [VantResolver()], dts: false }),
    // pre-compressed copies beside each file (brotli and gzip); the server sends the one the
    // browser accepts with its Content-Encoding (backend/web)
    compression({ algorithms: ['brotliCompress', 'gzip'], include: /\.(js|css|html|svg|webmanifest|json)$/, threshold: 512 }),
    VitePWA({
      // 'prompt': a new version waits until the officer applies it between tasks (never mid-form)
      registerType: 'prompt',
      injectRegister: false, // registered from our own code (no inline script: strict CSP)
      manifest: {
        name: '掌上执法',
        short_name: '掌上执法',
        description: '综合行政执法队 · 巡查、检查、当场处罚 — 无信号也能用',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#0b3d91',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg,woff2,webmanifest}'],
        navigateFallback: 'index.html',
        // the API, the public verification pages and the API docs are never the app shell
        navigateFallbackDenylist: [/^\/api\//, /^\/verify\//, /^\/public\//],
        cleanupOutdatedCaches: true,
        // the first install takes control at once (nothing older to disturb); later versions wait
        // for the officer's "update now" (registerType: 'prompt')
        clientsClaim: true,
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        // the offline base map's tiles: kept once fetched (their URL carries the file's hash)
        runtimeCaching: [{
          urlPattern: ({ url }) => url.pathname.startsWith('/api/v1/basemap/tiles/'),
          handler: 'CacheFirst',
          options: { cacheName: 'zs-basemap', expiration: { maxEntries: 20000 }, cacheableResponse: { statuses: [200] } },
        }],
      },
    }),
  ],
  build: {
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
    modulePreload: { polyfill: false },
    minify: process.env.PWA_DEBUG ? false : 'esbuild',
  },
})
