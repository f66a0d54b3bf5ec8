import { PROFILE_COLOURS, ProfileLabel } from '../../../../common/contract';
import { initials } from '../../shell/tab-look';

/** The colour and short label every tab of this profile shows, so two clusters never look alike. */
export function TabLookFields(props: {
  colour: string | undefined;
  label: string;
  name: string;
  setColour(c: string): void;
  setLabel(l: string): void;
}) {
  const { colour, label, name, setColour, setLabel } = props;
  return (
    <fieldset className="tab-look" data-testid="profile-tab-look">
      <legend>Tab colour and label</legend>
      <div className="row">
        {PROFILE_COLOURS.map((c) => (
          <label key={c} className={`swatch${colour === c ? ' chosen' : ''}`} style={{ background: c }} title={c}>
            <input
              type="radio"
              name="colour"
              value={c}
              checked={colour === c}
              onChange={() => setColour(c)}
              aria-label={`Tab colour ${c}`}
            />
          </label>
        ))}
        <input
          name="label"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          maxLength={ProfileLabel.maxLength ?? 6}
          placeholder={initials(name || 'Profile')}
          aria-label="Tab label"
          className="tab-label-input"
          spellCheck={false}
        />
      </div>
    </fieldset>
  );
}
