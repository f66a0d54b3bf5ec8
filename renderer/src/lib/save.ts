import { call } from '../api';

/** Saves text where the user chooses: the native dialog in Electron, a download in the browser host. */
export async function saveText(suggestedName: string, content: string, type = 'text/plain'): Promise<'saved' | 'cancelled' | 'downloaded'> {
  const r = await call('app.saveFile', { suggestedName, content });
  if (r.outcome !== 'download') return r.outcome;
  const url = URL.createObjectURL(new Blob([content], { type: `${type};charset=utf-8` }));
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = suggestedName;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return 'downloaded';
}
