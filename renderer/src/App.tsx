import { useState } from 'react';
import { translate, type Language, type MessageKey } from './i18n';

export function App() {
  const [language, setLanguage] = useState<Language>('ru');
  const t = (key: MessageKey) => translate(language, key);
  return (
    <main>
      <header>
        <h1>{t('app.name')}</h1>
        <p>{t('app.tagline')}</p>
        <button type="button" onClick={() => setLanguage(language === 'ru' ? 'en' : 'ru')}>
          {t('lang.switch')}
        </button>
      </header>
    </main>
  );
}
