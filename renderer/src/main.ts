import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import App from './App.vue';
import { makeRouter } from './router';

createApp(App).use(createPinia()).use(makeRouter()).use(ElementPlus).mount('#app');
