// Each feature registers its tab kinds and sidebar sections when imported; one line per feature.
import './profiles';
import './audit';
import './tenants';
import './webtasks';
import './logs';
import './exports';
import './diagnostics';
import './fleet';
import './bulk';
