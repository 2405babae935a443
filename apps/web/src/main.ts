import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import './theme.css';
import App from './App.vue';
import { i18n } from './i18n';
import { router } from './router';

// A tab opened before an upgrade asks for script chunks that no longer exist: load the new release instead.
window.addEventListener('vite:preloadError', () => window.location.reload());

document.documentElement.lang = i18n.global.locale.value;
createApp(App).use(i18n).use(router).mount('#app');
