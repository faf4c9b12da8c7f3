(CNN) -- A magnitude 6.1 earthquake struck off the coast of northern Chile on Sunday, the U.S. Geological Survey said.

There were no immediate reports of damage or injuries.

The quake was centred 60 kilometres west of Iquique at a depth of 20 kilometres.

@highlight

A magnitude 6.1 quake strikes off northern Chile

@highlight

No immediate reports of damage, USGS says
