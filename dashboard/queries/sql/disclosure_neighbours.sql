-- every statistical neighbour of each authority (a neighbours' average may include any of them)
select gss_code as code, neighbour_gss_code as neighbour
from ref_statistical_neighbour
