// Runs in: the renderer, when the built page is opened by itself (a file, a plain web server):
// there is no window.clerk to talk to, so it says where it runs instead of failing on the
// missing bridge. No language is known yet: Russian first, English below.
import { translate } from '../i18n';

export function OutsideApp() {
  return (
    <main className="outside">
      <h1>{translate('ru', 'app.name')}</h1>
      <p>{translate('ru', 'app.outside')}</p>
      <p lang="en">{translate('en', 'app.outside')}</p>
    </main>
  );
}
